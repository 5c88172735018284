import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { auditEvents, githubInstallations, githubUserGrants } from '../src/db/schema/index.js';
import { drivers } from './db-harness.js';
import { type Harness, startHarness } from './service-harness.js';

describe.each(drivers)('connecting GitHub (%s)', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ driver });
  });
  afterAll(() => h.close());

  const liveBindings = () =>
    h.hub.db.db.select().from(githubInstallations).where(isNull(githubInstallations.deletedAt));
  // Each test builds the state it needs (any order): Ada's tenant connected to tisket-com, or not connected at all.
  const ensureConnected = async () => {
    const ada = await h.signIn('user_ada');
    if (!(await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.connect(ada, 'ada', 'tisket-com');
    expect((await h.api(ada, 'GET', '/api/github/connection')).body.connected).toBe(true);
  };
  const ensureDisconnected = async () => {
    const ada = await h.signIn('user_ada');
    if ((await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false });
  };

  it('lets a member see the state but refuses them connect and disconnect', async () => {
    await ensureDisconnected();
    const bob = await h.signIn('user_bob');
    // A member sees the state, and no installation to claim (that list is for admins).
    const seen = (await h.api(bob, 'GET', '/api/github/connection')).body;
    // Never connected, or connected before (when another test ran first): either way not connected now.
    expect(['disconnected', 'previously_connected']).toContain(seen.state);
    expect(seen).toMatchObject({
      connected: false,
      canManage: false,
      claimable: [],
    });
    const connect = await h.api(bob, 'POST', '/api/github/connect', {});
    expect(connect.status).toBe(403);
    expect(connect.body.error.message).toMatch(/Only organization admins/);
    expect((await h.api(bob, 'POST', '/api/github/disconnect', {})).status).toBe(403);
  });

  it('refuses a state-changing call without the CSRF token', async () => {
    const ada = await h.signIn('user_ada');
    const response = await ada.post(`${h.hub.url}/api/github/connect`, { json: {}, follow: false });
    expect(response.status).toBe(403);
    expect(((await response.json()) as any).error.code).toBe('csrf');
  });

  it('connects through the setup URL: state checked, ownership proven with the user token, installation bound', async () => {
    await ensureDisconnected();
    const connectedBefore = (await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'github.connected'))).length;
    const ada = await h.signIn('user_ada');
    const done = await h.connect(ada, 'ada', 'tisket-com');
    // `reconnected=1` when an earlier test of this file connected and disconnected the tenant first.
    expect(done.finalUrl).toMatch(new RegExp(`^${h.hub.url}/workspace/settings/repos\\?(re)?connected=1$`));
    expect(ada.visited.some((v) => v.includes('/login/oauth/authorize'))).toBe(true);
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(connection).toMatchObject({
      connected: true,
      account: { login: 'tisket-com', type: 'Organization' },
      repositorySelection: 'selected',
      suspended: false,
      warning: null,
    });
    expect(connection.manageUrl).toBe(
      `${h.hub.sandbox!.sim.webUrl}/organizations/tisket-com/settings/installations/${connection.installationId}`,
    );
    const [grant] = await h.hub.db.db.select().from(githubUserGrants);
    expect(grant!.githubLogin).toBe('ada');
    expect(grant!.accessToken).not.toMatch(/ghu_/);
    expect(grant!.refreshToken).not.toMatch(/ghr_/);
    const audit = await h.hub.db.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'github.connected'));
    expect(audit).toHaveLength(connectedBefore + 1);
  });

  it('refuses a reused state and leaves everything as it was', async () => {
    await ensureConnected();
    const ada = await h.signIn('user_ada');
    const before = await liveBindings();
    const { body } = await h.api(ada, 'POST', '/api/github/connect', {});
    const state = new URL(body.installUrl).searchParams.get('state')!;
    const setup = `${h.hub.url}/github/setup?installation_id=${before[0]!.installationId}&setup_action=install&state=${state}`;
    const first = await ada.get(setup, { follow: false });
    expect(first.status).toBe(302);
    const replay = await ada.get(setup, { follow: false });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/expired or was already used/);
    expect(await liveBindings()).toEqual(before);
  });

  it('refuses a spoofed installation_id: the user token does not reach it, nothing is stored', async () => {
    await ensureConnected();
    const cyd = await h.signIn('user_cyd');
    const [tisket] = await liveBindings();
    const { body } = await h.api(cyd, 'POST', '/api/github/connect', {});
    const state = new URL(body.installUrl).searchParams.get('state')!;
    await h.signInToGitHub(cyd, 'cyd');
    const answer = await cyd.get(
      `${h.hub.url}/github/setup?installation_id=${tisket!.installationId}&setup_action=install&state=${state}`,
    );
    expect(answer.status).toBe(403);
    expect(await answer.text()).toMatch(/not one your GitHub account can reach/);
    const acme = await h.hub.db.db
      .select()
      .from(githubInstallations)
      .where(eq(githubInstallations.organizationId, 'org_02ACME'));
    expect(acme).toHaveLength(0);
  });

  it('refuses a state started by someone else, and the owner can still use it', async () => {
    const ada = await h.signIn('user_ada');
    const cyd = await h.signIn('user_cyd');
    const { body } = await h.api(ada, 'POST', '/api/github/connect', {});
    const state = new URL(body.installUrl).searchParams.get('state')!;
    const answer = await cyd.get(`${h.hub.url}/github/setup?installation_id=1&state=${state}`, {
      follow: false,
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/started by another user or organization/);
    // The stranger did not burn it: the rightful owner's state still works.
    const own = await ada.get(`${h.hub.url}/github/setup?installation_id=1&state=${state}`, { follow: false });
    expect(own.status).toBe(302);
  });

  it("refuses another tenant's installation even to a user who reaches it", async () => {
    await ensureConnected();
    const sim = h.hub.sandbox!.sim;
    // Cyd owns tisket-com on GitHub too (so the ownership proof passes), yet another tenant holds it.
    sim.addOrgMember('tisket-com', 'cyd', 'admin');
    onTestFinished(() => sim.removeOrgMember('tisket-com', 'cyd'));
    const cyd = await h.signIn('user_cyd');
    const done = await h.connect(cyd, 'cyd', 'tisket-com');
    expect(done.status).toBe(409);
    expect(await done.text()).toMatch(/already connected to another organization/);
    const acme = await h.hub.db.db
      .select()
      .from(githubInstallations)
      .where(
        and(eq(githubInstallations.organizationId, 'org_02ACME'), isNull(githubInstallations.deletedAt)),
      );
    expect(acme).toHaveLength(0);
  });

  it('refuses a callback without a code, and malformed parameters', async () => {
    const ada = await h.signIn('user_ada');
    expect(
      (await ada.get(`${h.hub.url}/github/callback?state=abcdefghijklmnopqrstuvwxyz`, { follow: false }))
        .status,
    ).toBe(400);
    const bad = await ada.get(`${h.hub.url}/github/setup?installation_id=12abc&state=x`, { follow: false });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/installation_id must be a number/);
  });

  it('disconnects: tokens revoked at GitHub, every tier purged, binding retired, repositories kept', async () => {
    await ensureConnected();
    const ada = await h.signIn('user_ada');
    const [binding] = await liveBindings();
    const token = await h.hub.apps.system.tokens.getToken({ installationId: binding!.installationId });
    const sim = h.hub.sandbox!.sim;
    const use = () =>
      fetch(`${sim.apiUrl}/installation/repositories`, {
        headers: { authorization: `token ${token.token}` },
      });
    expect((await use()).status).toBe(200);
    const result = await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false });
    expect(result.body).toMatchObject({ disconnected: true, uninstalled: false });
    expect(result.body.revokedTokens).toBeGreaterThanOrEqual(1);
    expect((await use()).status).toBe(401);
    expect((await h.api(ada, 'GET', '/api/github/connection')).body.connected).toBe(false);
    expect((await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: 'yes' })).status).toBe(400);
  });
});

describe('connecting with "request user authorization during installation"', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ oauthOnInstall: true });
  });
  afterAll(() => h.close());

  it('binds the installation from the callback with code, and flags "All repositories"', async () => {
    const ada = await h.signIn('user_ada');
    if ((await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    const done = await h.connect(ada, 'ada', 'tisket-com', 'all');
    expect(done.finalUrl).toMatch(new RegExp(`^${h.hub.url}/workspace/settings/repos\\?(re)?connected=1$`));
    expect(ada.visited.some((v) => v.includes('/login/oauth/authorize'))).toBe(false);
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(connection.repositorySelection).toBe('all');
    expect(connection.warning).toMatch(/every repository/);
    // In the product's words (the sandbox's product is Tisket), not hubgate's.
    expect(connection.warning).toMatch(/Tisket only asks for tokens/);
  });

  it('uninstalls the app on GitHub when the admin asks for it on disconnect', async () => {
    const ada = await h.signIn('user_ada');
    if (!(await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.connect(ada, 'ada', 'tisket-com', 'all');
    const { installationId } = (await h.api(ada, 'GET', '/api/github/connection')).body;
    const result = await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    expect(result.body).toMatchObject({ disconnected: true, uninstalled: true });
    expect(h.hub.sandbox!.sim.store.installations.has(installationId)).toBe(false);
    await h.hub.sandbox!.sim.webhooks.settle();
    await h.hub.receiver.settle();
    expect((await h.api(ada, 'GET', '/api/github/connection')).body.connected).toBe(false);
  });
});
