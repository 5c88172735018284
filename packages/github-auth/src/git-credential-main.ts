import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Clock, systemClock } from './clock.js';
import { GitHubAuthError } from './errors.js';
import { brokerSettingsFromEnv, revokeThroughBroker, tokenFromBroker } from './git-credential-broker.js';
import { type CachedCredential, FileCredentialCache } from './git-credential-file-cache.js';
import { type CredentialAttributes, formatCredentialOutput, parseCredentialInput } from './git-credential-protocol.js';
import { type ParsedRepoUrl, parseRepoUrl } from './repo-url.js';

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

interface Ask {
  operation: 'get' | 'erase';
  attributes: CredentialAttributes;
  protocol: 'http' | 'https';
  host: string;
  /** null when git sent no path (no `credential.useHttpPath`) */
  repo: ParsedRepoUrl | null;
  minValidityMs: number;
  io: GitCredentialIo;
  clock: Clock;
  notes: string[];
}

const defaultGitValidityMs = 15 * 60_000;

/**
 * `hubgate-git-credential get|store|erase`. Three ways to a token, picked by env:
 * - remote (`HUBGATE_URL` + `HUBGATE_AGENT_KEY`): hubgate's broker mints it; no app key on the machine;
 * - local with `REDIS_URL`: the app key (`HUBGATE_GITHUB_CONFIG`, `GITHUB_APP_*`) and the fleet-wide tier;
 * - local without Redis: the app key, and an encrypted file tier shared by the helper processes of this user.
 * Tokens handed to git keep `HUBGATE_GIT_MIN_VALIDITY_SECONDS` (15 min) of validity. This module imports only
 * what a cached answer needs: the rest (sources, Octokit, ioredis) is loaded on a miss.
 */
export async function runGitCredential(operation: string | undefined, io: GitCredentialIo): Promise<GitCredentialResult> {
  const notes: string[] = [];
  const out = (stdout: string) => ({ stdout, stderr: notes.map((n) => `hubgate-git-credential: ${n}\n`).join(''), exitCode: 0 });
  const fail = (message: string) => ({ stdout: '', stderr: `hubgate-git-credential: ${message}\n`, exitCode: 1 });
  if (operation !== 'get' && operation !== 'store' && operation !== 'erase') {
    return fail(`unknown operation "${operation ?? ''}": git calls helpers with get, store or erase`);
  }
  let attributes: CredentialAttributes;
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
  if (io.env.HUBGATE_BROKER_URL && !io.env.HUBGATE_URL)
    return fail('HUBGATE_BROKER_URL is replaced by HUBGATE_URL (the address of hubgate itself)');

  const validitySeconds = Number(io.env.HUBGATE_GIT_MIN_VALIDITY_SECONDS ?? defaultGitValidityMs / 1000);
  if (!Number.isFinite(validitySeconds) || validitySeconds < 0 || validitySeconds > 3300) {
    return fail('HUBGATE_GIT_MIN_VALIDITY_SECONDS must be a number of seconds between 0 and 3300');
  }
  const minTokenAgeMs = Number(io.env.HUBGATE_GIT_MIN_TOKEN_AGE_MS ?? defaultMinTokenAgeMs);
  if (!Number.isInteger(minTokenAgeMs) || minTokenAgeMs < 0 || minTokenAgeMs > 10_000) {
    return fail('HUBGATE_GIT_MIN_TOKEN_AGE_MS must be a whole number of milliseconds between 0 and 10000');
  }
  try {
    const ask: Ask = {
      operation,
      attributes,
      protocol,
      host: attributes.host,
      repo: attributes.path ? parseRepoUrl(`${protocol}://${attributes.host}/${attributes.path}`) : null,
      minValidityMs: validitySeconds * 1000,
      io,
      clock: io.clock ?? systemClock,
      notes,
    };
    const answer = io.env.HUBGATE_URL?.trim()
      ? await fromBroker(ask)
      : io.env.REDIS_URL?.trim()
        ? await fromSourcesWithRedis(ask)
        : await fromSourcesWithFileCache(ask);
    if (answer) await ripen(answer, ask.clock, minTokenAgeMs);
    return out(answer ? render(answer) : '');
  } catch (error) {
    if (error instanceof GitHubAuthError) return fail(error.message);
    return fail(`unexpected error: ${(error as Error).message}`);
  }
}

/** GitHub may refuse a token for a moment after its mint: a token minted just now is handed to git once it is this old. */
const defaultMinTokenAgeMs = 1_000;

/** Waits until a freshly minted token is `minAgeMs` old (a cached one is old enough: no wait). */
async function ripen(credential: CachedCredential, clock: { now(): number }, minAgeMs: number) {
  if (credential.createdAt === undefined) return;
  const wait = credential.createdAt + minAgeMs - clock.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, minAgeMs)));
}

function render(credential: CachedCredential): string {
  return formatCredentialOutput({
    username: credential.username,
    password: credential.password,
    password_expiry_utc: Math.floor(credential.expiresAt / 1000),
  });
}

function openFileCache(ask: Ask): FileCredentialCache | null {
  const { cache, problem } = FileCredentialCache.open(ask.io.env);
  if (problem) ask.notes.push(problem);
  return cache;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** The repository as a cache key: every URL form of it is one key, per protocol (http is allowed per source). */
function repositoryKey(ask: Ask): string {
  return `${ask.protocol}://${ask.repo ? ask.repo.normalized.toLowerCase() : ask.host.toLowerCase()}`;
}

/** Remote mode: hubgate's broker, cached in the file tier. */
async function fromBroker(ask: Ask): Promise<CachedCredential | null> {
  const broker = brokerSettingsFromEnv(ask.io.env);
  if (!ask.repo)
    throw new GitHubAuthError(
      'invalid_config',
      `git sent no repository path for ${ask.host}; run "git config --global credential.useHttpPath true" (hubgate scopes each token to one repository)`,
    );
  if (ask.protocol === 'http' && ask.io.env.HUBGATE_ALLOW_HTTP_REMOTES !== '1')
    throw new GitHubAuthError(
      'insecure_remote',
      `refusing to send a token over plain http to ${ask.repo.normalized}: use https, or set HUBGATE_ALLOW_HTTP_REMOTES=1 if it is a local test server`,
    );
  const permissions = broker.permissions
    ? Object.keys(broker.permissions)
        .sort()
        .map((k) => `${k}:${broker.permissions![k]}`)
        .join(',')
    : '';
  // In identity mode the workload is who its ID token source says (one job, one pod): that is the cache's key.
  const caller = broker.identity ? `identity:${broker.identity.kind === 'file' ? broker.identity.path : `${broker.identity.requestUrl}|${broker.identity.audience}`}` : broker.agentKey;
  const key = `remote|${broker.url.href}|${sha(caller)}|${repositoryKey(ask)}|${permissions}`;
  const cache = openFileCache(ask);
  const fetchImpl = ask.io.fetch ?? fetch;
  if (ask.operation === 'erase') {
    const password = ask.attributes.password;
    cache?.delete(key, password);
    if (password && ask.io.env.HUBGATE_REVOKE_ON_ERASE === '1') await revokeThroughBroker(broker, password, fetchImpl);
    return null;
  }
  const repo = ask.repo;
  const fromHubgate = () =>
    tokenFromBroker(
      broker,
      { url: `${ask.protocol}://${ask.host}/${ask.attributes.path}`, fullName: `${repo.owner}/${repo.repo}` },
      ask.minValidityMs,
      fetchImpl,
    );
  return cache ? cache.getOrMint(key, ask.clock, ask.minValidityMs, fromHubgate) : fromHubgate();
}

/** What the local sources are: a changed config is a different cache, never a stale answer. */
function sourcesFingerprint(env: NodeJS.ProcessEnv): string {
  const configPath = env.HUBGATE_GITHUB_CONFIG;
  let configText = '';
  if (configPath) {
    try {
      configText = readFileSync(configPath, 'utf8');
    } catch {
      configText = '(unreadable)';
    }
  }
  return sha(
    JSON.stringify([
      env.GITHUB_APP_ID,
      env.GITHUB_APP_CLIENT_ID,
      env.GITHUB_API_URL,
      env.GITHUB_APP_URL_PATTERN,
      env.GITHUB_APP_INSTALLATION_ID,
      env.GITHUB_APP_ALLOW_HTTP,
      env.GITHUB_APP_PRIVATE_KEY ? sha(env.GITHUB_APP_PRIVATE_KEY) : null,
      env.GITHUB_APP_PRIVATE_KEY_PATH,
      configPath,
      configText,
    ]),
  );
}

/** Local mode without Redis: the file tier first; on a miss, the sources (loaded only then) mint. */
async function fromSourcesWithFileCache(ask: Ask): Promise<CachedCredential | null> {
  const key = `local|${sourcesFingerprint(ask.io.env)}|${repositoryKey(ask)}`;
  const cache = openFileCache(ask);
  if (ask.operation === 'erase') {
    cache?.delete(key, ask.attributes.password);
    return null;
  }
  const mint = () => resolveFromSources(ask, null);
  return cache ? cache.getOrMint(key, ask.clock, ask.minValidityMs, mint) : mint();
}

/** Local mode with Redis: the fleet-wide tier (ioredis is loaded only here). */
async function fromSourcesWithRedis(ask: Ask): Promise<CachedCredential | null> {
  const { redisTokenStoreFromEnv } = await import('./token-cache-from-env.js');
  const { silentLogger } = await import('./logger.js');
  const redis = redisTokenStoreFromEnv(ask.io.env, ask.clock, silentLogger);
  try {
    return await resolveFromSources(ask, redis);
  } finally {
    await redis?.close();
  }
}

async function resolveFromSources(
  ask: Ask,
  redis: import('./redis-token-store.js').RedisTokenStore | null,
): Promise<CachedCredential | null> {
  const [{ loadCredentialSources }, { CredentialResolver }] = await Promise.all([
    import('./credential-config.js'),
    import('./credential-resolver.js'),
  ]);
  const resolver = new CredentialResolver({
    sources: loadCredentialSources(ask.io.env),
    clock: ask.clock,
    redis,
    fetch: ask.io.fetch,
    refreshMarginMs: ask.minValidityMs + 5 * 60_000,
    minValidityMs: ask.minValidityMs,
    // This process answers once and exits: nothing to keep in step with the fleet.
    listenForRevocations: false,
  });
  if (ask.operation === 'erase') {
    if (ask.attributes.password) await resolver.invalidate(ask.attributes.password);
    return null;
  }
  if (ask.repo)
    return resolver.resolveCredentials(`${ask.protocol}://${ask.host}/${ask.attributes.path}`, {
      minValidityMs: ask.minValidityMs,
    });
  const credential = await resolver.resolveForHost(ask.host, { minValidityMs: ask.minValidityMs, protocol: ask.protocol });
  if (!credential)
    ask.notes.push(
      `git sent no repository path for ${ask.host}; run "git config --global credential.useHttpPath true", or give the matching source an installationId`,
    );
  return credential;
}
