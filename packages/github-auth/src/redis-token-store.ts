import { hash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { InstallationToken } from './installation-token.js';
import type { Logger } from './logger.js';
import type { TokenCipher } from './token-cipher.js';

export interface RedisTokenStoreOptions {
  /** a `redis://` URL or an ioredis client the caller owns */
  redis: string | Redis;
  cipher: TokenCipher;
  clock: Clock;
  logger: Logger;
  prefix?: string;
  /** how long a mint may hold the fleet-wide lock */
  lockTtlMs?: number;
  /** a Redis command slower than this counts as an outage */
  commandTimeoutMs?: number;
  /** after an outage, how long to answer from the process tier before trying Redis again */
  retryAfterOutageMs?: number;
}

/** The answer to "may this process mint?": the lock is ours, another process holds it, or Redis is out. */
export type LockAnswer = { kind: 'acquired'; id: string } | { kind: 'held' } | { kind: 'unavailable' };

/** A token read from Redis with the installation's revocation generation it was minted under. */
export interface SharedRead {
  token: InstallationToken | null;
  /** the installation's current generation: pass it back to `set` so a revocation meanwhile wins */
  generation: string;
}

/** An installation whose tokens were revoked somewhere in the fleet. */
export interface RevocationEvent {
  scope: string;
}

/** An installation's tokens as the fleet holds them, taken out of Redis for revocation. */
export interface TakenTokens {
  tokens: InstallationToken[];
}

const unlockScript =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Stores an entry unless the installation was revoked since the writer read its generation, and indexes it
 * by installation (a sorted set scored by expiry, pruned on write) and by the token's hash.
 * KEYS: entry, by-token, installation index, generation. ARGV: sealed, ttl ms, expected generation ('' = any),
 * cache key, expires at, now, generation TTL (kept while entries of that generation live).
 */
const setScript = `
if ARGV[3] ~= '' and (redis.call('get', KEYS[4]) or '0') ~= ARGV[3] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('set', KEYS[2], ARGV[4], 'PX', ARGV[2])
redis.call('zadd', KEYS[3], ARGV[5], ARGV[4])
redis.call('zremrangebyscore', KEYS[3], '-inf', ARGV[6])
if redis.call('pttl', KEYS[3]) < tonumber(ARGV[2]) then redis.call('pexpire', KEYS[3], ARGV[2]) end
if redis.call('pttl', KEYS[4]) > 0 then redis.call('pexpire', KEYS[4], ARGV[7]) end
return 1`;

/** Tokens live one hour: a revocation generation older than that can no longer refuse anything. */
const generationTtlMs = 2 * 3600_000;

// One-shot `hash` (Node 20.12+): half the cost of a createHash object, and a cold read hashes two keys per token.
const sha = (text: string) => hash('sha256', text, 'base64url');

interface SealedEntry extends InstallationToken {
  /** the installation's revocation generation when the token was minted */
  generation: string;
}

interface PendingRead {
  entryKey: string;
  generationKey: string;
  resolve: (values: [string | null, string | null]) => void;
  reject: (error: unknown) => void;
}

/** Reads per MGET when many are asked in one tick (a command of a few thousand keys stays quick for Redis). */
const maxReadsPerMget = 512;

/** The token of an entry, in the same shape as a minted one (one hidden class for every cached token). */
function tokenOf(entry: SealedEntry): InstallationToken {
  return {
    token: entry.token,
    expiresAt: entry.expiresAt,
    createdAt: entry.createdAt,
    permissions: entry.permissions,
    repositorySelection: entry.repositorySelection,
    repositoryIds: entry.repositoryIds,
    repositoryNames: entry.repositoryNames,
    installationId: entry.installationId,
  };
}

/**
 * The fleet-wide tier: tokens encrypted at rest (bound to their cache key) with a TTL equal to their remaining
 * life; a short lock so that one process in the fleet mints while the others wait for its result; an index of
 * each installation's tokens and a revocation generation, published to every process, so that a disconnect
 * reaches every token in every tier. When Redis is down or slow the store says so once, stands aside, and
 * tries again later by itself.
 */
export class RedisTokenStore {
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  readonly lockTtlMs: number;
  private downUntil = 0;
  private pendingReads: PendingRead[] | null = null;
  private reportedDown = false;
  private subscriber: Redis | null = null;
  private readonly listeners = new Set<{
    revoked: (event: RevocationEvent) => void;
    resync: () => void;
  }>();

  constructor(private readonly options: RedisTokenStoreOptions) {
    this.prefix = options.prefix ?? 'hubgate:token:';
    this.lockTtlMs = options.lockTtlMs ?? 15_000;
    if (typeof options.redis === 'string') {
      this.redis = new Redis(options.redis, {
        lazyConnect: false,
        // Commands wait for the first connection; commandTimeout still bounds how long anything waits.
        enableOfflineQueue: true,
        maxRetriesPerRequest: 0,
        commandTimeout: options.commandTimeoutMs ?? 250,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      // Errors surface through the commands; the connection's own events would only repeat them.
      this.redis.on('error', () => {});
      this.ownsClient = true;
    } else {
      this.redis = options.redis;
      this.ownsClient = false;
    }
  }

  /** False during the back-off after an outage: callers skip Redis rather than wait on it. */
  usable(): boolean {
    return this.options.clock.now() >= this.downUntil;
  }

  /** The Redis key of a cache key's entry (sha256, so that the key's parts are not readable in Redis). */
  entryKey(cacheKey: string): string {
    return this.prefix + sha(cacheKey);
  }

  private lockKey(cacheKey: string) {
    return `${this.entryKey(cacheKey)}:lock`;
  }

  private indexKey(scope: string) {
    return `${this.prefix}installation:${sha(scope)}`;
  }

  private generationKey(scope: string) {
    return `${this.prefix}generation:${sha(scope)}`;
  }

  /** Where a token's entry is, by the token's hash: lets any process purge a token it never cached itself. */
  private tokenIndexKey(token: string) {
    return `${this.prefix}by-token:${sha(token)}`;
  }

  private get channel() {
    return `${this.prefix}revocations`;
  }

  private async guard<T>(work: () => Promise<T>, fallback: T): Promise<T> {
    if (!this.usable()) return fallback;
    try {
      const result = await work();
      if (this.reportedDown) {
        this.reportedDown = false;
        this.options.logger.info({ tier: 'redis' }, 'Redis token cache is back');
      }
      return result;
    } catch (error) {
      this.downUntil = this.options.clock.now() + (this.options.retryAfterOutageMs ?? 5000);
      if (!this.reportedDown) {
        this.reportedDown = true;
        this.options.logger.warn(
          { tier: 'redis', err: (error as Error).message },
          'Redis token cache unavailable; answering from the process cache',
        );
      }
      return fallback;
    }
  }

  private open(cacheKey: string, sealed: string | null | undefined): SealedEntry | null {
    if (!sealed) return null;
    const plain = this.options.cipher.decrypt(sealed, cacheKey);
    return plain ? (JSON.parse(plain) as SealedEntry) : null;
  }

  /**
   * The entry and the installation's generation, in one round trip. An entry minted under an older generation
   * (its installation was revoked since) is a miss. Null when Redis is out.
   */
  async read(cacheKey: string, scope: string): Promise<SharedRead | null> {
    return this.guard(async () => {
      const [sealed, generation] = await this.readPair(this.entryKey(cacheKey), this.generationKey(scope));
      const entry = this.open(cacheKey, sealed);
      const current = generation ?? '0';
      if (!entry || entry.generation !== current) return { token: null, generation: current };
      return { token: tokenOf(entry), generation: current };
    }, null);
  }

  /**
   * GETs an entry and a generation together with every other read asked in the same tick: one MGET for all
   * of them. (Hand-written: ioredis' auto-pipelining shares the write but still makes a command, a reply, a
   * promise and a timeout per read; a process-cold replica asks for dozens of tokens at once.)
   */
  private readPair(entryKey: string, generationKey: string): Promise<[string | null, string | null]> {
    return new Promise((resolve, reject) => {
      if (this.pendingReads === null) {
        this.pendingReads = [];
        process.nextTick(() => this.flushReads());
      }
      this.pendingReads.push({ entryKey, generationKey, resolve, reject });
    });
  }

  private flushReads() {
    const reads = this.pendingReads ?? [];
    this.pendingReads = null;
    for (let start = 0; start < reads.length; start += maxReadsPerMget) {
      const batch = reads.slice(start, start + maxReadsPerMget);
      const keys: string[] = [];
      for (const read of batch) keys.push(read.entryKey, read.generationKey);
      this.redis.mget(keys).then(
        (values) => batch.forEach((read, i) => read.resolve([values[2 * i] ?? null, values[2 * i + 1] ?? null])),
        (error: unknown) => batch.forEach((read) => read.reject(error)),
      );
    }
  }

  async get(cacheKey: string, scope: string): Promise<InstallationToken | null> {
    return (await this.read(cacheKey, scope))?.token ?? null;
  }

  /**
   * Stores a token, unless its installation was revoked after `generation` was read ('revoked': the caller
   * must not use the token). 'unavailable' when Redis is out.
   */
  async set(
    cacheKey: string,
    scope: string,
    token: InstallationToken,
    generation: string | null,
  ): Promise<'stored' | 'revoked' | 'unavailable'> {
    const now = this.options.clock.now();
    const ttl = token.expiresAt - now;
    if (ttl <= 0) return 'stored';
    const sealed = this.options.cipher.encrypt(
      JSON.stringify({ ...token, generation: generation ?? '0' } satisfies SealedEntry),
      cacheKey,
    );
    return this.guard(async () => {
      const stored = await this.redis.eval(
        setScript,
        4,
        this.entryKey(cacheKey),
        this.tokenIndexKey(token.token),
        this.indexKey(scope),
        this.generationKey(scope),
        sealed,
        ttl,
        generation ?? '',
        cacheKey,
        token.expiresAt,
        now,
        generationTtlMs,
      );
      return stored === 1 ? 'stored' : 'revoked';
    }, 'unavailable' as const);
  }

  /** Purges the entry holding this token, whichever process cached it (git's `erase` runs in a new process). */
  async deleteByToken(token: string): Promise<void> {
    await this.guard(async () => {
      const indexKey = this.tokenIndexKey(token);
      const cacheKey = await this.redis.get(indexKey);
      if (cacheKey) {
        // Only while the entry still holds that token: a newer token under the same key stays.
        const entry = this.open(cacheKey, await this.redis.get(this.entryKey(cacheKey)));
        if (entry?.token === token) await this.redis.del(this.entryKey(cacheKey));
      }
      await this.redis.del(indexKey);
    }, undefined);
  }

  async delete(cacheKey: string): Promise<void> {
    await this.guard(async () => {
      await this.redis.del(this.entryKey(cacheKey));
    }, undefined);
  }

  async tryLock(cacheKey: string): Promise<LockAnswer> {
    const id = randomUUID();
    return this.guard(
      async () => {
        const ok = await this.redis.set(this.lockKey(cacheKey), id, 'PX', this.lockTtlMs, 'NX');
        return ok === 'OK' ? { kind: 'acquired', id } : { kind: 'held' };
      },
      { kind: 'unavailable' } as LockAnswer,
    );
  }

  async unlock(cacheKey: string, lockId: string): Promise<void> {
    await this.guard(async () => {
      await this.redis.eval(unlockScript, 1, this.lockKey(cacheKey), lockId);
    }, undefined);
  }

  /**
   * Waits for the lock holder's token. Returns it, or null once the lock is gone without an acceptable token
   * (the holder failed) or the wait outlasts the lock.
   */
  async waitFor(
    cacheKey: string,
    scope: string,
    acceptable: (token: InstallationToken) => boolean,
  ): Promise<InstallationToken | null> {
    const deadline = Date.now() + this.lockTtlMs;
    let delay = 10;
    while (Date.now() < deadline && this.usable()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
      const token = await this.get(cacheKey, scope);
      if (token && acceptable(token)) return token;
      const locked = await this.guard(() => this.redis.exists(this.lockKey(cacheKey)), 0);
      if (!locked) return null;
    }
    return null;
  }

  /**
   * Revokes an installation fleet-wide in Redis: bumps its generation (so that no entry of it is served
   * again and a mint under way cannot store its token), tells every process, and takes its tokens out of
   * Redis for the caller to revoke at GitHub. Null when Redis is out (the fleet was not reached).
   */
  async takeInstallation(scope: string): Promise<TakenTokens | null> {
    return this.guard(async () => {
      const indexKey = this.indexKey(scope);
      const replies = await this.redis
        .multi()
        .incr(this.generationKey(scope))
        .pexpire(this.generationKey(scope), generationTtlMs)
        .zrange(indexKey, 0, -1)
        .publish(this.channel, JSON.stringify({ scope } satisfies RevocationEvent))
        .exec();
      if (!replies) throw new Error('the Redis transaction was aborted');
      for (const [error] of replies) if (error) throw error;
      const cacheKeys = replies[2]![1] as string[];
      const tokens: InstallationToken[] = [];
      if (cacheKeys.length > 0) {
        const sealed = await this.redis.mget(...cacheKeys.map((k) => this.entryKey(k)));
        cacheKeys.forEach((cacheKey, i) => {
          const entry = this.open(cacheKey, sealed[i]);
          if (entry) tokens.push(tokenOf(entry));
        });
        await this.redis.del(
          indexKey,
          ...cacheKeys.map((k) => this.entryKey(k)),
          ...tokens.map((t) => this.tokenIndexKey(t.token)),
        );
      }
      return { tokens };
    }, null);
  }

  /**
   * Listens for revocations made anywhere in the fleet. `resync` runs whenever the subscription (re)starts:
   * messages may have been missed while it was down, so the listener drops what it cannot vouch for.
   */
  onRevocation(listener: { revoked: (event: RevocationEvent) => void; resync: () => void }): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate({ autoResubscribe: false, enableOfflineQueue: true });
      subscriber.on('error', () => {});
      // Subscribed afresh on every connection, and only then resynced: what was published before is lost.
      subscriber.on('ready', () => {
        subscriber
          .subscribe(this.channel)
          .then(() => {
            for (const l of this.listeners) l.resync();
          })
          .catch(() => {});
      });
      subscriber.on('message', (_channel: string, message: string) => {
        let event: RevocationEvent;
        try {
          event = JSON.parse(message) as RevocationEvent;
        } catch {
          return;
        }
        if (typeof event.scope !== 'string') return;
        for (const l of this.listeners) l.revoked(event);
      });
      this.subscriber = subscriber;
    }
    return () => this.listeners.delete(listener);
  }

  private lookupKey(scope: string) {
    return `${this.prefix}lookup:${sha(scope)}`;
  }

  /** A cached installation lookup (`scope` names the app and the target), shared by the fleet. */
  async getLookup(scope: string): Promise<number | null> {
    return this.guard(async () => {
      const value = await this.redis.get(this.lookupKey(scope));
      const id = Number(value);
      return value !== null && Number.isInteger(id) && id > 0 ? id : null;
    }, null);
  }

  async setLookup(scope: string, installationId: number, ttlMs: number): Promise<void> {
    await this.guard(async () => {
      await this.redis.set(this.lookupKey(scope), String(installationId), 'PX', ttlMs);
    }, undefined);
  }

  async dropLookup(scope: string): Promise<void> {
    await this.guard(async () => {
      await this.redis.del(this.lookupKey(scope));
    }, undefined);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = null;
    if (this.ownsClient) this.redis.disconnect();
  }
}
