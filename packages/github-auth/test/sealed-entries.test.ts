import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenCipher } from '../src/index.js';
import { installationScope } from '../src/installation-token.js';
import { startWorld } from './helpers.js';
import { redisFixture } from './redis-helpers.js';

describe('sealed Redis entries are bound to their key', () => {
  let world: Awaited<ReturnType<typeof startWorld>> | null = null;
  let redis: ReturnType<typeof redisFixture> | null = null;
  afterEach(async () => {
    await redis?.cleanup();
    redis = null;
    await world?.sim.close();
    world = null;
  });

  it('does not open a value sealed for one key under another (AES-GCM associated data)', () => {
    const cipher = new TokenCipher(randomBytes(32));
    const sealed = cipher.encrypt('{"token":"ghs_x"}', 'app|api|1||contents:write');
    expect(cipher.decrypt(sealed, 'app|api|1||contents:write')).toBe('{"token":"ghs_x"}');
    expect(cipher.decrypt(sealed, 'app|api|1||contents:read')).toBeNull();
  });

  it("refuses an entry copied over another key, and mints afresh, instead of serving the other request's token", async () => {
    world = await startWorld();
    redis = redisFixture();
    const shared = redis.store();
    const a = world.provider({ redis: shared });
    const write = { installationId: world.installationId, permissions: { contents: 'write' as const } };
    const read = { installationId: world.installationId, permissions: { contents: 'read' as const } };
    const writeToken = await a.getToken(write);
    const sealed = await redis.admin.get(shared.entryKey(a.cacheKey(write)));
    await redis.admin.set(shared.entryKey(a.cacheKey(read)), sealed!, 'PX', 3600_000);

    const fresh = world.provider({ redis: redis.store() });
    const got = await fresh.getToken(read);
    expect(got.token).not.toBe(writeToken.token);
    expect(got.permissions).toEqual({ contents: 'read' });
    expect(world.sim.mintCount()).toBe(2);
  });

  it('refuses an entry that does not match the request even when sealed under its key', async () => {
    world = await startWorld();
    redis = redisFixture();
    const shared = redis.store();
    const a = world.provider({ redis: shared });
    const write = { installationId: world.installationId, permissions: { contents: 'write' as const } };
    const readOne = {
      installationId: world.installationId,
      repositoryIds: [world.repoId],
      permissions: { contents: 'read' as const },
    };
    const writeToken = await a.getToken(write);
    // A writer holding the key puts the wrong token under the right key (a bug, or a hostile writer).
    const scope = installationScope(a.app.appKey, a.app.apiUrl, world.installationId);
    expect(await shared.set(a.cacheKey(readOne), scope, writeToken, null)).toBe('stored');

    const fresh = world.provider({ redis: redis.store() });
    const got = await fresh.getToken(readOne);
    expect(got.token).not.toBe(writeToken.token);
    expect(got).toMatchObject({ repositoryIds: [world.repoId], permissions: { contents: 'read' } });
  });
});
