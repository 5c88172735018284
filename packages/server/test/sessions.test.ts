import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityFromClaims } from '../src/identity/identity.js';
import { SessionStore } from '../src/stores/session-store.js';
import { drivers, freshDatabase } from './db-harness.js';

describe.each(drivers)('sessions (%s)', (driver) => {
  let handle: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    handle = await freshDatabase(driver);
  });
  afterAll(() => handle.close());

  const mapping = { orgClaim: 'org_id', orgNameClaim: 'org_name', roleClaim: 'role', adminRole: 'owner' };
  const store = () => new SessionStore(handle.db, () => new Date());

  it('keeps the admin decision of sign-in: with admin role "owner", a role claim "admin" is not an admin', async () => {
    const notAdmin = identityFromClaims({ sub: 'u1', org_id: 'org_1', role: 'admin' }, mapping);
    const owner = identityFromClaims({ sub: 'u2', org_id: 'org_1', role: 'owner' }, mapping);
    const a = await store().read((await store().create(notAdmin)).cookieValue);
    const b = await store().read((await store().create(owner)).cookieValue);
    expect(a).toMatchObject({ role: 'admin', isAdmin: false });
    expect(b).toMatchObject({ role: 'owner', isAdmin: true });
  });

  it('finds no session for an unknown or oversized cookie', async () => {
    expect(await store().read('nope')).toBeNull();
    expect(await store().read('x'.repeat(200))).toBeNull();
  });

  it('serves a cached session only until it expires, and forgets it at once on sign-out', async () => {
    let now = Date.now();
    const clocked = new SessionStore(handle.db, () => new Date(now), { cacheTtlMs: 60_000 });
    const identity = identityFromClaims({ sub: 'u3', org_id: 'org_1', role: 'owner' }, mapping);
    const { cookieValue } = await clocked.create(identity);
    expect(await clocked.read(cookieValue)).not.toBeNull();
    now += 8 * 3600_000 + 1000; // past the session's 8 hours, still inside the cache's minute
    expect(await clocked.read(cookieValue)).toBeNull();
    now = Date.now();
    const second = await clocked.create(identity);
    expect(await clocked.read(second.cookieValue)).not.toBeNull();
    await clocked.delete(second.cookieValue);
    expect(await clocked.read(second.cookieValue)).toBeNull();
  });
});
