import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityFromClaims } from '../src/identity/identity.js';
import { createSession, readSession } from '../src/identity/sessions.js';
import { drivers, freshDatabase } from './db-harness.js';

describe.each(drivers)('sessions (%s)', (driver) => {
  let handle: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    handle = await freshDatabase(driver);
  });
  afterAll(() => handle.close());

  const mapping = { orgClaim: 'org_id', roleClaim: 'role', adminRole: 'owner' };

  it('keeps the admin decision of sign-in: with admin role "owner", a role claim "admin" is not an admin', async () => {
    const notAdmin = identityFromClaims({ sub: 'u1', org_id: 'org_1', role: 'admin' }, mapping);
    const owner = identityFromClaims({ sub: 'u2', org_id: 'org_1', role: 'owner' }, mapping);
    const a = await readSession(handle.db, (await createSession(handle.db, notAdmin)).cookieValue);
    const b = await readSession(handle.db, (await createSession(handle.db, owner)).cookieValue);
    expect(a).toMatchObject({ role: 'admin', isAdmin: false });
    expect(b).toMatchObject({ role: 'owner', isAdmin: true });
  });

  it('finds no session for an unknown or oversized cookie', async () => {
    expect(await readSession(handle.db, 'nope')).toBeNull();
    expect(await readSession(handle.db, 'x'.repeat(200))).toBeNull();
  });
});
