import type { Redis } from 'ioredis';

/**
 * @octokit/auth-app's documented `cache` option (`{ get, set }`), backed by Redis and shared by the fleet: its
 * best configuration. auth-app stores `token|createdAt|expiresAt|...` and trusts the cache for expiry, so this
 * cache keeps an entry until a minute before the token expires, as auth-app's own LRU does (59 minutes).
 * Expiry is checked against Date.now, so the cache follows the bench's simulated clocks too.
 */
export function octokitRedisCache(redis: Redis, prefix: string) {
  const expiresAt = (value: string) => Date.parse(value.split('|')[2] ?? '');
  return {
    // auth-app treats any falsy answer as a miss.
    async get(key: string): Promise<string> {
      const value = await redis.get(prefix + key);
      if (!value) return '';
      return expiresAt(value) - Date.now() > 60_000 ? value : '';
    },
    async set(key: string, value: string): Promise<void> {
      const ttl = Math.max(1, Math.round(expiresAt(value) - Date.now() - 60_000));
      await redis.set(prefix + key, value, 'PX', ttl);
    },
  };
}
