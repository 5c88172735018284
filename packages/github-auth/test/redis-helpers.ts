import { randomBytes } from 'node:crypto';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
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
        // Generous: on a loaded test machine the default 250 ms would count slowness as an outage.
        commandTimeoutMs: 2000,
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

/** A TCP proxy in front of the real Redis that the test can cut, slow down and restore. */
export function redisProxy() {
  const sockets = new Set<Socket>();
  let mode: 'up' | 'down' | 'slow' = 'up';
  const server: Server = createServer((client) => {
    if (mode === 'down') {
      client.destroy();
      return;
    }
    const redis = new URL(redisUrl);
    const upstream = createConnection(Number(redis.port || 6379), redis.hostname);
    sockets.add(client).add(upstream);
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (mode === 'slow') setTimeout(() => to.write(chunk), 600);
        else to.write(chunk);
      });
    relay(client, upstream);
    relay(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    set(next: 'up' | 'down' | 'slow') {
      mode = next;
      if (next === 'down') for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

