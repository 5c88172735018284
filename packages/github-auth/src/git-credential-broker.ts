import { GitHubAuthError } from './errors.js';
import { parseRepoUrl } from './repo-url.js';
import type { CachedCredential } from './git-credential-file-cache.js';

/** The helper's remote mode: hubgate's token broker, reached with an agent key (no app key on the machine). */
export interface BrokerSettings {
  /** `HUBGATE_URL` */
  url: URL;
  /** `HUBGATE_AGENT_KEY`: a secret, never in a message */
  agentKey: string;
  /** `HUBGATE_TOKEN_PERMISSIONS` (`contents=write,pull_requests=read`): narrower than the project's, if given */
  permissions?: Record<string, string>;
}

const loopbackHost = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Reads the remote-mode settings; refuses to send the key anywhere but https or this machine. */
export function brokerSettingsFromEnv(env: NodeJS.ProcessEnv): BrokerSettings {
  const raw = env.HUBGATE_URL!.trim();
  let url: URL;
  try {
    url = new URL(raw.endsWith('/') ? raw : `${raw}/`);
  } catch {
    throw new GitHubAuthError('invalid_config', `HUBGATE_URL "${raw}" is not a URL (expected https://hubgate.example)`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHost.test(url.hostname))) {
    throw new GitHubAuthError(
      'invalid_config',
      `HUBGATE_URL ${url.origin} is neither https nor a loopback address: the agent key is only ever sent over https`,
    );
  }
  const agentKey = env.HUBGATE_AGENT_KEY?.trim();
  if (!agentKey) throw new GitHubAuthError('invalid_config', 'HUBGATE_URL is set but HUBGATE_AGENT_KEY is not');
  const permissions = parsePermissions(env.HUBGATE_TOKEN_PERMISSIONS);
  return { url, agentKey, ...(permissions ? { permissions } : {}) };
}

function parsePermissions(raw: string | undefined): Record<string, string> | undefined {
  if (!raw?.trim()) return undefined;
  const permissions: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const [name, level] = pair.split('=').map((s) => s.trim());
    if (!name || !/^[a-z_]+$/.test(name) || !level || !['read', 'write', 'admin'].includes(level)) {
      throw new GitHubAuthError(
        'invalid_config',
        `HUBGATE_TOKEN_PERMISSIONS: "${pair}" is not name=read|write|admin (e.g. contents=write,pull_requests=read)`,
      );
    }
    permissions[name] = level;
  }
  return permissions;
}

interface BrokerAnswer {
  token?: unknown;
  expiresAt?: unknown;
  repository?: { id?: unknown; fullName?: unknown; url?: unknown };
  error?: { message?: unknown };
  message?: unknown;
}

/**
 * `POST {HUBGATE_URL}/api/v1/tokens` with `{ repository, permissions?, minValidityMs }`: a token scoped to that
 * one repository. The answer must name the repository asked for.
 */
export async function tokenFromBroker(
  broker: BrokerSettings,
  repository: { url: string; fullName: string },
  minValidityMs: number,
  fetchImpl: typeof fetch,
): Promise<CachedCredential> {
  const response = await fetchImpl(new URL('api/v1/tokens', broker.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${broker.agentKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({
      repository: repository.url,
      ...(broker.permissions ? { permissions: broker.permissions } : {}),
      minValidityMs,
    }),
    signal: AbortSignal.timeout(30_000),
  }).catch((cause) => {
    throw new GitHubAuthError('broker_refused', `hubgate at ${broker.url.origin} could not be reached: ${(cause as Error).message}`, { cause });
  });
  const body = (await response.json().catch(() => ({}))) as BrokerAnswer;
  if (!response.ok) throw refusal(response, body, repository.fullName, broker.url.origin);
  const expiresAt = typeof body.expiresAt === 'number' ? body.expiresAt : Date.parse(String(body.expiresAt));
  const fullName = body.repository?.fullName;
  if (typeof body.token !== 'string' || body.token === '' || /[\r\n\0]/.test(body.token) || !Number.isFinite(expiresAt)) {
    throw new GitHubAuthError('broker_refused', `hubgate at ${broker.url.origin} answered without a token and its expiry`);
  }
  if (typeof fullName !== 'string' || fullName.toLowerCase() !== repository.fullName.toLowerCase()) {
    throw new GitHubAuthError(
      'broker_refused',
      `hubgate answered with a token for ${String(fullName)}, not for ${repository.fullName}: refused`,
    );
  }
  // The broker names where its token may be used: git's remote must be that host, on that scheme and port (a
  // submodule or a redirect to another host gets nothing, also from a broker that would answer for it).
  const answeredUrl = body.repository?.url;
  if (typeof answeredUrl !== 'string' || !sameRemote(answeredUrl, repository.url)) {
    throw new GitHubAuthError(
      'broker_refused',
      `hubgate's token for ${fullName} is for ${originOf(answeredUrl)}, not for ${originOf(repository.url)}: refused`,
    );
  }
  return { username: 'x-access-token', password: body.token, expiresAt };
}

/** The same scheme, host and port, and the same path before owner/name. */
function sameRemote(answered: string, asked: string): boolean {
  try {
    const a = parseRepoUrl(answered);
    const b = parseRepoUrl(asked);
    return a.protocol === b.protocol && a.base === b.base;
  } catch {
    return false;
  }
}

function originOf(url: unknown): string {
  if (typeof url !== 'string') return 'no host it named';
  try {
    return new URL(url).origin;
  } catch {
    return 'no host it named';
  }
}

function refusal(response: Response, body: BrokerAnswer, fullName: string, origin: string): GitHubAuthError {
  const said = typeof body.error?.message === 'string' ? body.error.message : typeof body.message === 'string' ? body.message : '';
  const detail = said ? `: ${said}` : '';
  const status = response.status;
  const message =
    status === 401
      ? `hubgate refused the agent key (HTTP 401${detail}); check HUBGATE_AGENT_KEY, it may have been revoked`
      : status === 404
        ? `hubgate gives this agent key no token for ${fullName} (HTTP 404${detail}): it is not one of its tenant's projects`
        : status === 429
          ? `hubgate rate-limited this agent key (HTTP 429${detail}); retry after ${response.headers.get('retry-after') ?? 'a while'} s`
          : `hubgate at ${origin} refused the token request (HTTP ${status}${detail})`;
  return new GitHubAuthError('broker_refused', message, { status });
}

/** `DELETE {HUBGATE_URL}/api/v1/tokens/current` with the token as bearer: revoked at job end (`erase`). */
export async function revokeThroughBroker(broker: BrokerSettings, token: string, fetchImpl: typeof fetch): Promise<void> {
  const response = await fetchImpl(new URL('api/v1/tokens/current', broker.url), {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  }).catch((cause) => {
    throw new GitHubAuthError('broker_refused', `hubgate at ${broker.url.origin} could not be reached to revoke the token`, { cause });
  });
  await response.body?.cancel();
  // 401: the token is already no longer valid, which is what erase wants.
  if (!response.ok && response.status !== 401)
    throw new GitHubAuthError('broker_refused', `hubgate refused to revoke the token (HTTP ${response.status})`);
}
