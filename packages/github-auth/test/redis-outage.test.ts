import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisTokenStore, systemClock, TokenCipher } from '../src/index.js';
import { startWorld } from './helpers.js';
import { redisProxy, redisUrl } from './redis-helpers.js';

let proxy: ReturnType<typeof redisProxy>;
let port: number;
beforeAll(async () => {
  proxy = redisProxy();
  port = await proxy.listen();
});
afterAll(() => proxy.close());

it('keeps answering through a Redis outage and a slow Redis, logs each once, and uses Redis again when it is back', async () => {
  const world = await startWorld();
  const logs: string[] = [];
  const logger = { debug() {}, info: (_o: object, m?: string) => logs.push(`info ${m}`), warn: (_o: object, m?: string) => logs.push(`warn ${m}`), error() {} };
  const cipher = new TokenCipher(randomBytes(32));
  const prefix = `hubgate-outage:${randomBytes(4).toString('hex')}:`;
  const store = (retryAfterOutageMs: number) =>
    new RedisTokenStore({ redis: `redis://127.0.0.1:${port}${new URL(redisUrl).pathname}`, cipher, clock: systemClock, logger, prefix, commandTimeoutMs: 200, retryAfterOutageMs });
  const a = store(300);
  const b = store(300);
  try {
    const first = world.provider({ redis: a, logger });
    const second = world.provider({ redis: b, logger });
    await first.getToken({ installationId: world.installationId, permissions: { contents: 'read' } });

    proxy.set('down');
    const during = await second.getToken({ installationId: world.installationId, permissions: { metadata: 'read' } });
    expect(during.token).toMatch(/^ghs_/);
    await second.getToken({ installationId: world.installationId, permissions: { contents: 'write' } });
    expect(logs.filter((l) => l.includes('unavailable'))).toHaveLength(1);

    proxy.set('up');
    await new Promise((r) => setTimeout(r, 700));
    const mintsBefore = world.sim.mintCount();
    // Back in use: the second process finds the first one's token in Redis instead of minting.
    const shared = await second.getToken({ installationId: world.installationId, permissions: { contents: 'read' } });
    expect(world.sim.mintCount()).toBe(mintsBefore);
    expect(shared.token).toBe((await first.getToken({ installationId: world.installationId, permissions: { contents: 'read' } })).token);
    expect(logs).toContain('info Redis token cache is back');

    proxy.set('slow');
    const started = Date.now();
    const slow = await second.getToken({ installationId: world.installationId, permissions: { metadata: 'read', contents: 'read' } });
    expect(slow.token).toMatch(/^ghs_/);
    // A slow Redis is skipped after one command timeout, not waited on for every call.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logs.filter((l) => l.includes('unavailable'))).toHaveLength(2);
  } finally {
    proxy.set('up');
    await a.close();
    await b.close();
    await world.sim.close();
  }
});
