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

export function maskSecrets(text: string): string {
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

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? (options.destination ? 'json' : logFormatFor(process.env, process.stdout));
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
        logMethod(args, method) {
          method.apply(this, args.map((a) => maskDeep(a)) as Parameters<typeof method>);
        },
      },
    },
    format === 'pretty' ? prettyStream(destination) : (destination as pino.DestinationStream),
  );
}
