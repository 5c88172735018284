import { GitHubAuthError } from './errors.js';
import { parseRepoUrl } from './repo-url.js';
import type { CachedCredential } from './git-credential-file-cache.js';
import { hubgateBaseUrl } from './hubgate-url.js';

/**
 * Where the workload's OpenID ID token comes from when no agent key is stored anywhere (docs/workload-identity.md):
 * GitHub Actions' token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`, asked for the tenant's audience), or a file
 * (`HUBGATE_ID_TOKEN_FILE`: Kubernetes' projected service-account token, whose audience the pod spec sets).
 */
export type IdentitySource =
  | { kind: 'github-actions'; requestUrl: string; requestToken: string; audience: string }
  | { kind: 'file'; path: string };

/** The helper's remote mode: hubgate's token broker, reached with an agent key or a workload identity (no app key on the machine). */
export interface BrokerSettings {
  /** `HUBGATE_URL` */
  url: URL;
  /** `HUBGATE_AGENT_KEY`: a secret, never in a message ('' in identity mode) */
  agentKey: string;
  /** identity mode: an ID token exchanged at `POST /api/v1/tokens/exchange` instead of a stored key */
  identity?: IdentitySource;
  /** `HUBGATE_TOKEN_PERMISSIONS` (`contents=write,pull_requests=read`): narrower than the project's, if given */
  permissions?: Record<string, string>;
}

/** Reads the remote-mode settings; refuses to send the key anywhere but https or this machine. */
export function brokerSettingsFromEnv(env: NodeJS.ProcessEnv): BrokerSettings {
  const url = hubgateBaseUrl(env.HUBGATE_URL!);
  const permissions = parsePermissions(env.HUBGATE_TOKEN_PERMISSIONS);
  const agentKey = env.HUBGATE_AGENT_KEY?.trim();
  if (agentKey) return { url, agentKey, ...(permissions ? { permissions } : {}) };
  const identity = identityFromEnv(env, url);
  if (!identity)
    throw new GitHubAuthError(
      'invalid_config',
      'HUBGATE_URL is set but neither HUBGATE_AGENT_KEY nor a workload identity (HUBGATE_ID_TOKEN_FILE, or GitHub Actions with id-token: write and HUBGATE_TENANT)',
    );
  return { url, agentKey: '', identity, ...(permissions ? { permissions } : {}) };
}

function identityFromEnv(env: NodeJS.ProcessEnv, url: URL): IdentitySource | null {
  const path = env.HUBGATE_ID_TOKEN_FILE?.trim();
  if (path) return { kind: 'file', path };
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL?.trim();
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN?.trim();
  if (!requestUrl || !requestToken) return null;
  const tenant = env.HUBGATE_TENANT?.trim();
  const audience = env.HUBGATE_AUDIENCE?.trim() || (tenant ? `${url.href.replace(/\/+$/, '')}/tenants/${tenant}` : '');
  if (!audience)
    throw new GitHubAuthError('invalid_config', 'in GitHub Actions, set HUBGATE_TENANT (your organization id in hubgate) or HUBGATE_AUDIENCE');
  return { kind: 'github-actions', requestUrl, requestToken, audience };
}

/** The workload's ID token, fresh for each exchange (GitHub's live five minutes; Kubernetes rotates the file). */
async function idTokenOf(identity: IdentitySource, fetchImpl: typeof fetch): Promise<string> {
  if (identity.kind === 'file') {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(identity.path, 'utf8').catch((cause: Error) => {
      throw new GitHubAuthError('invalid_config', `HUBGATE_ID_TOKEN_FILE ${identity.path} cannot be read (${cause.message})`, { cause });
    });
    return text.trim();
  }
  const requestUrl = new URL(identity.requestUrl);
  requestUrl.searchParams.set('audience', identity.audience);
  const response = await fetchImpl(requestUrl, {
    headers: { authorization: `bearer ${identity.requestToken}`, accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  }).catch((cause) => {
    throw new GitHubAuthError('broker_refused', `GitHub Actions' ID token endpoint could not be reached: ${(cause as Error).message}`, { cause });
  });
  const body = (await response.json().catch(() => ({}))) as { value?: unknown };
  if (!response.ok || typeof body.value !== 'string')
    throw new GitHubAuthError(
      'broker_refused',
      `GitHub Actions gave no ID token (HTTP ${response.status}); the job needs "permissions: id-token: write"`,
    );
  return body.value;
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
  const request: { path: string; headers: Record<string, string>; body: Record<string, unknown> } = broker.identity
    ? {
        path: 'api/v1/tokens/exchange',
        headers: {},
        body: {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
          subject_token: await idTokenOf(broker.identity, fetchImpl),
          resource: repository.url,
        },
      }
    : { path: 'api/v1/tokens', headers: { authorization: `Bearer ${broker.agentKey}` }, body: { repository: repository.url } };
  const response = await fetchImpl(new URL(request.path, broker.url), {
    method: 'POST',
    headers: { ...request.headers, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      ...request.body,
      ...(broker.permissions ? { permissions: broker.permissions } : {}),
      minValidityMs,
    }),
    signal: AbortSignal.timeout(30_000),
  }).catch((cause) => {
    throw new GitHubAuthError('broker_refused', `hubgate at ${broker.url.origin} could not be reached: ${(cause as Error).message}`, { cause });
  });
  const body = (await response.json().catch(() => ({}))) as BrokerAnswer;
  if (!response.ok) throw refusal(response, body, repository.fullName, broker.url.origin, Boolean(broker.identity));
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

function refusal(response: Response, body: BrokerAnswer, fullName: string, origin: string, identity: boolean): GitHubAuthError {
  const said = typeof body.error?.message === 'string' ? body.error.message : typeof body.message === 'string' ? body.message : '';
  const detail = said ? `: ${said}` : '';
  const status = response.status;
  const message =
    identity && status === 401
      ? `hubgate refused the workload's ID token (HTTP 401${detail})`
      : status === 401
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
