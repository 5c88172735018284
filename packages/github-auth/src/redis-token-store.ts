import { createHash, randomUUID } from 'node:crypto';
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

const unlockScript =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * The fleet-wide tier: tokens encrypted at rest with a TTL equal to their remaining life, and a short lock so
 * that one process in the fleet mints while the others wait for its result. When Redis is down or slow the
 * store says so once, stands aside, and tries again later by itself.
 */
export class RedisTokenStore {
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  readonly lockTtlMs: number;
  private downUntil = 0;
  private reportedDown = false;

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

  private redisKey(cacheKey: string) {
    return this.prefix + createHash('sha256').update(cacheKey).digest('base64url');
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

  async get(cacheKey: string): Promise<InstallationToken | null> {
    return this.guard(async () => {
      const sealed = await this.redis.get(this.redisKey(cacheKey));
      if (!sealed) return null;
      const plain = this.options.cipher.decrypt(sealed);
      return plain ? (JSON.parse(plain) as InstallationToken) : null;
    }, null);
  }

  async set(cacheKey: string, token: InstallationToken): Promise<void> {
    const ttl = token.expiresAt - this.options.clock.now();
    if (ttl <= 0) return;
    await this.guard(async () => {
      await this.redis
        .multi()
        .set(this.redisKey(cacheKey), this.options.cipher.encrypt(JSON.stringify(token)), 'PX', ttl)
        .set(this.tokenIndexKey(token.token), this.redisKey(cacheKey), 'PX', ttl)
        .exec();
    }, undefined);
  }

  /** Where a token's entry is, by the token's hash: lets any process purge a token it never cached itself. */
  private tokenIndexKey(token: string) {
    return `${this.prefix}by-token:${createHash('sha256').update(token).digest('base64url')}`;
  }

  /** Purges the entry holding this token, whichever process cached it (git's `erase` runs in a new process). */
  async deleteByToken(token: string): Promise<void> {
    await this.guard(async () => {
      const indexKey = this.tokenIndexKey(token);
      const entryKey = await this.redis.get(indexKey);
      if (entryKey) {
        // Only while the entry still holds that token: a newer token under the same key stays.
        const sealed = await this.redis.get(entryKey);
        const plain = sealed ? this.options.cipher.decrypt(sealed) : null;
        if (plain && (JSON.parse(plain) as InstallationToken).token === token) await this.redis.del(entryKey);
      }
      await this.redis.del(indexKey);
    }, undefined);
  }

  async delete(cacheKey: string): Promise<void> {
    await this.guard(async () => {
      await this.redis.del(this.redisKey(cacheKey));
    }, undefined);
  }

  /** A lock id when this process may mint; null when another holds it; undefined when Redis is out. */
  async tryLock(cacheKey: string): Promise<string | null | undefined> {
    const id = randomUUID();
    return this.guard(async () => {
      const ok = await this.redis.set(`${this.redisKey(cacheKey)}:lock`, id, 'PX', this.lockTtlMs, 'NX');
      return ok === 'OK' ? id : null;
    }, undefined);
  }

  async unlock(cacheKey: string, lockId: string): Promise<void> {
    await this.guard(async () => {
      await this.redis.eval(unlockScript, 1, `${this.redisKey(cacheKey)}:lock`, lockId);
    }, undefined);
  }

  /**
   * Waits for the lock holder's token. Returns it, or null once the lock is gone without an acceptable token
   * (the holder failed) or the wait outlasts the lock.
   */
  async waitFor(
    cacheKey: string,
    acceptable: (token: InstallationToken) => boolean,
  ): Promise<InstallationToken | null> {
    const deadline = Date.now() + this.lockTtlMs;
    let delay = 10;
    while (Date.now() < deadline && this.usable()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
      const token = await this.get(cacheKey);
      if (token && acceptable(token)) return token;
      const locked = await this.guard(() => this.redis.exists(`${this.redisKey(cacheKey)}:lock`), 0);
      if (!locked) return null;
    }
    return null;
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.redis.disconnect();
  }
}
