import { type Clock, systemClock } from './clock.js';
import { loadCredentialSources } from './credential-config.js';
import { CredentialResolver, type GitCredentials } from './credential-resolver.js';
import { GitHubAuthError } from './errors.js';
import { formatCredentialOutput, parseCredentialInput } from './git-credential-protocol.js';
import { silentLogger } from './logger.js';
import { redisTokenStoreFromEnv } from './token-cache-from-env.js';

export interface GitCredentialIo {
  stdin: string;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  fetch?: typeof fetch;
}

export interface GitCredentialResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const defaultGitValidityMs = 15 * 60_000;

/**
 * `hubgate-git-credential get|store|erase`: answers git from a local app key (sources from
 * `HUBGATE_GITHUB_CONFIG` and `GITHUB_APP_*`), or remotely from hubgate's broker (`HUBGATE_BROKER_URL` with
 * `HUBGATE_AGENT_KEY`). Tokens handed to git keep `HUBGATE_GIT_MIN_VALIDITY_SECONDS` (15 min) of validity.
 */
export async function runGitCredential(
  operation: string | undefined,
  io: GitCredentialIo,
): Promise<GitCredentialResult> {
  const out = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });
  const fail = (message: string) => ({
    stdout: '',
    stderr: `hubgate-git-credential: ${message}\n`,
    exitCode: 1,
  });
  if (operation !== 'get' && operation !== 'store' && operation !== 'erase') {
    return fail(`unknown operation "${operation ?? ''}": git calls helpers with get, store or erase`);
  }
  let attributes: ReturnType<typeof parseCredentialInput>;
  try {
    attributes = parseCredentialInput(io.stdin);
  } catch (error) {
    return fail((error as Error).message);
  }
  // We never keep what git found elsewhere.
  if (operation === 'store') return out('');
  const protocol = attributes.protocol ?? 'https';
  if (protocol !== 'https' && protocol !== 'http') return out('');
  if (!attributes.host) return fail('git sent no host');

  const validitySeconds = Number(io.env.HUBGATE_GIT_MIN_VALIDITY_SECONDS ?? defaultGitValidityMs / 1000);
  if (!Number.isFinite(validitySeconds) || validitySeconds < 0 || validitySeconds > 3300) {
    return fail('HUBGATE_GIT_MIN_VALIDITY_SECONDS must be a number of seconds between 0 and 3300');
  }
  const minValidityMs = validitySeconds * 1000;
  const clock = io.clock ?? systemClock;

  try {
    if (io.env.HUBGATE_BROKER_URL) {
      const creds = await fromBroker(operation, attributes, io, minValidityMs);
      return out(creds ? render(creds) : '');
    }
    const redis = redisTokenStoreFromEnv(io.env, clock, silentLogger);
    const resolver = new CredentialResolver({
      sources: loadCredentialSources(io.env),
      clock,
      redis,
      fetch: io.fetch,
      refreshMarginMs: minValidityMs + 5 * 60_000,
      minValidityMs,
      listenForRevocations: false,
    });
    try {
      if (operation === 'erase') {
        if (attributes.password) await resolver.invalidate(attributes.password);
        return out('');
      }
      let creds: GitCredentials | null;
      if (attributes.path) {
        creds = await resolver.resolveCredentials(`${protocol}://${attributes.host}/${attributes.path}`, {
          minValidityMs,
        });
      } else {
        creds = await resolver.resolveForHost(attributes.host, { minValidityMs, protocol });
        if (!creds) {
          return {
            stdout: '',
            stderr: `hubgate-git-credential: git sent no repository path for ${attributes.host}; run "git config --global credential.useHttpPath true", or give the matching source an installationId\n`,
            exitCode: 0,
          };
        }
      }
      return out(render(creds));
    } finally {
      await redis?.close();
    }
  } catch (error) {
    if (error instanceof GitHubAuthError) return fail(error.message);
    return fail(`unexpected error: ${(error as Error).message}`);
  }
}

function render(creds: GitCredentials): string {
  return formatCredentialOutput({
    username: creds.username,
    password: creds.password,
    password_expiry_utc: Math.floor(creds.expiresAt / 1000),
  });
}

async function fromBroker(
  operation: 'get' | 'erase',
  attributes: ReturnType<typeof parseCredentialInput>,
  io: GitCredentialIo,
  minValidityMs: number,
): Promise<GitCredentials | null> {
  const key = io.env.HUBGATE_AGENT_KEY;
  if (!key)
    throw new GitHubAuthError('invalid_config', 'HUBGATE_BROKER_URL is set but HUBGATE_AGENT_KEY is not');
  const response = await (io.fetch ?? fetch)(
    new URL('/api/broker/git-credential', io.env.HUBGATE_BROKER_URL),
    {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        operation,
        protocol: attributes.protocol,
        host: attributes.host,
        path: attributes.path,
        password: operation === 'erase' ? attributes.password : undefined,
        minValidityMs,
      }),
      signal: AbortSignal.timeout(30_000),
    },
  );
  if (operation === 'erase') return null;
  const body = (await response.json().catch(() => ({}))) as {
    username?: string;
    password?: string;
    expiresAt?: string;
    error?: { message?: string };
  };
  if (!response.ok || !body.password || !body.username || !body.expiresAt) {
    throw new GitHubAuthError(
      'token_request_failed',
      `the broker refused: ${body.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
  return { username: body.username, password: body.password, expiresAt: Date.parse(body.expiresAt) };
}
