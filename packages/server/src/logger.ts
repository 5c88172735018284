import { createRequire } from 'node:module';
import { type Logger as PinoLogger, pino } from 'pino';

/**
 * Anything shaped like a GitHub token, a private key or a bearer credential is masked wherever it appears in
 * a log line (messages included), on top of pino's redaction of the usual fields.
 */
const secretPatterns: RegExp[] = [
  /gh[supor]_[A-Za-z0-9_.-]{20,}/g,
  /hgk_[A-Za-z0-9_-]{20,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

/**
 * Drizzle's DrizzleQueryError puts the statement's parameters in its message ("Failed query: ...\nparams: ...");
 * they are the sign-in state, session hashes, sealed secrets. The statement is kept, its parameters never logged.
 */
const queryParameters = /\bparams: [\s\S]*$/;

/**
 * Every pattern above starts with one of these words, so a string without any (nearly every log line) is
 * returned as it is after one scan instead of six replacements; the patterns themselves still decide.
 */
const mayHoldSecret = /gh[supor]_|hgk_|-----BEGIN|bearer|token|basic|eyJ|params: /i;

export function maskSecrets(text: string): string {
  if (!mayHoldSecret.test(text)) return text;
  let out = text.replace(queryParameters, 'params: [redacted]');
  for (const pattern of secretPatterns) out = out.replace(pattern, '[redacted]');
  return out;
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return {
      type: value.name,
      message: maskSecrets(value.message),
      stack: value.stack ? maskSecrets(value.stack) : undefined,
    };
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

export type Logger = PinoLogger;

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines for log collectors; readable, coloured lines when a person watches a terminal. `LOG_FORMAT`
 * (json or pretty) overrides the guess.
 */
export function logFormatFor(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return stream.isTTY ? 'pretty' : 'json';
}

/** pino-pretty in the same process (no worker thread), loaded only when asked for. */
function prettyStream(destination: NodeJS.WritableStream): pino.DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    destination,
    sync: true,
    colorize: (destination as { isTTY?: boolean }).isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

const warnLevel = 40;

function bufferedStdout() {
  const stream = pino.destination({ dest: process.stdout.fd, sync: false, minLength: 4096 });
  const flush = () => {
    // a destination closed by a broken pipe must not throw from a timer
    if (!(stream as { destroyed?: boolean }).destroyed) stream.flush();
  };
  setInterval(flush, 1000).unref();
  return { stream, flush };
}

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? (options.destination ? 'json' : logFormatFor(process.env, process.stdout));
  // stdout on a pipe (a container's log) is written synchronously by Node, a system call per line on the event
  // loop. pino's own asynchronous destination (sonic-boom) writes off it in blocks of 4 KB; a block is written at
  // least every second, at once after a warning or an error, and synchronously when the process exits (pino's
  // exit hook). What a SIGKILL can lose is under a second of info lines.
  const stdoutJson = format === 'json' && !options.destination ? bufferedStdout() : null;
  return pino(
    {
      level: options.level ?? 'info',
      redact: {
        paths: [
          'token',
          'password',
          'privateKey',
          'secret',
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
          'req.headers.cookie',
          '*.token',
          '*.accessToken',
          '*.refreshToken',
          '*.clientSecret',
        ],
        censor: '[redacted]',
      },
      hooks: {
        logMethod(args, method, level) {
          method.apply(this, args.map((a) => maskDeep(a)) as Parameters<typeof method>);
          if (stdoutJson && level >= warnLevel) stdoutJson.flush();
        },
      },
    },
    format === 'pretty' ? prettyStream(destination) : (stdoutJson?.stream ?? (destination as pino.DestinationStream)),
  );
}
