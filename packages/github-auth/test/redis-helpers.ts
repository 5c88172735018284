import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Logger, RedisTokenStore, systemClock, TokenCipher } from '../src/index.js';

export const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Stores on the real Redis under a prefix of their own, all closed (and their keys deleted) by `cleanup`. */
export function redisFixture() {
  const admin = new Redis(redisUrl);
  const cipher = new TokenCipher(randomBytes(32));
  const prefix = `hubgate-test:${randomBytes(4).toString('hex')}:`;
  const stores: RedisTokenStore[] = [];
  return {
    admin,
    cipher,
    prefix,
    /** one "replica": its own connection to the shared Redis */
    store(options: Partial<ConstructorParameters<typeof RedisTokenStore>[0]> = {}) {
      const store = new RedisTokenStore({
        redis: redisUrl,
        cipher,
        clock: systemClock,
        logger: silentLogger,
        prefix,
        ...options,
      });
      stores.push(store);
      return store;
    },
    async closeStores() {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    },
    async cleanup() {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      admin.disconnect();
    },
  };
}
