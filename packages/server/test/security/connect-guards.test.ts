import { and, count, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { auditEvents, githubInstallations, githubUserGrants, installStates } from '../../src/db/schema/index.js';
import { UserGrantStore } from '../../src/stores/user-grant-store.js';
import { drivers } from '../db-harness.js';
import { type Harness, startHarness } from '../service-harness.js';
import { connectState, installWithoutState, movableClock } from './flows.js';

describe.each(drivers)('connect and disconnect guards (%s)', (driver) => {
  let h: Harness;
  const clock = movableClock();
  beforeAll(async () => {
    h = await startHarness({ driver, clock });
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const setupUrl = (installationId: number, state: string) =>
    `${h.hub.url}/github/setup?installation_id=${installationId}&setup_action=install&state=${state}`;
  const tisketInstallation = () => {
    const account = sim().store.requireAccount('tisket-com');
    return [...sim().store.installations.values()].find((i) => i.accountId === account.id)?.id ?? 1;
  };
  const live = (organizationId: string) =>
    h.hub.db.db
      .select()
      .from(githubInstallations)
      .where(and(eq(githubInstallations.organizationId, organizationId), isNull(githubInstallations.deletedAt)));
  /** Everything a refused step must leave as it was. */
  const snapshot = async () => ({
    bindings: await h.hub.db.db.select().from(githubInstallations),
    grants: await h.hub.db.db.select().from(githubUserGrants),
    audit: (await h.hub.db.db.select({ n: count() }).from(auditEvents))[0]!.n,
    unusedStates: (await h.hub.db.db.select({ n: count() }).from(installStates).where(isNull(installStates.usedAt)))[0]!.n,
  });
  const connectAda = async () => {
    const ada = await h.signIn('user_ada');
    if (!(await h.api(ada, 'GET', '/api/github/connection')).body.connected) {
      const done = await h.connect(ada, 'ada', 'tisket-com');
      expect(done.finalUrl).toContain('connected=1');
    }
    return { ada, installationId: (await h.api(ada, 'GET', '/api/github/connection')).body.installationId as number };
  };

  it("refuses a connect state opened in another browser of the same admin, and it still works in the admin's own (8.1)", async () => {
    const first = await h.signIn('user_ada');
    const second = await h.signIn('user_ada');
    const state = await connectState(h, first);
    const elsewhere = await second.get(setupUrl(tisketInstallation(), state), { follow: false });
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toMatch(/in another browser/);
    const own = await first.get(setupUrl(tisketInstallation(), state), { follow: false });
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toContain('/login/oauth/authorize');
  });

  it("refuses another tenant's admin who opens a state, and the rightful owner's state survives (8.11)", async () => {
    const ada = await h.signIn('user_ada');
    const cyd = await h.signIn('user_cyd');
    const state = await connectState(h, ada);
    const stranger = await cyd.get(setupUrl(tisketInstallation(), state), { follow: false });
    expect(stranger.status).toBe(400);
    expect(await stranger.text()).toMatch(/started by another user or organization/);
    const own = await ada.get(setupUrl(tisketInstallation(), state), { follow: false });
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toContain('/login/oauth/authorize');
  });

  it('refuses a reused connect state and leaves every binding, grant, state and audit row as it was', async () => {
    const ada = await h.signIn('user_ada');
    const state = await connectState(h, ada);
    expect((await ada.get(setupUrl(tisketInstallation(), state), { follow: false })).status).toBe(302);
    const before = await snapshot();
    const replay = await ada.get(setupUrl(tisketInstallation(), state), { follow: false });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/expired or was already used/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a connect state older than ten minutes', async () => {
    onTestFinished(() => clock.reset());
    const ada = await h.signIn('user_ada');
    const state = await connectState(h, ada);
    clock.advance(11 * 60_000);
    const late = await ada.get(setupUrl(tisketInstallation(), state), { follow: false });
    expect(late.status).toBe(400);
    expect(await late.text()).toMatch(/expired/);
  });

  it("refuses a member on GitHub's setup and callback redirects: only admins finish a connection", async () => {
    const bob = await h.signIn('user_bob');
    const setup = await bob.get(`${h.hub.url}/github/setup?installation_id=${tisketInstallation()}&setup_action=install`, { follow: false });
    expect(setup.status).toBe(403);
    expect(await setup.text()).toMatch(/Only organization admins/);
    const callback = await bob.get(`${h.hub.url}/github/callback?code=abcdef123456&state=${'s'.repeat(32)}`, { follow: false });
    expect(callback.status).toBe(403);
    expect(await callback.text()).toMatch(/Only organization admins/);
  });

  it('refuses a state-changing call from another site even with the right CSRF token, and stores nothing', async () => {
    const ada = await h.signIn('user_ada');
    const before = await snapshot();
    const answer = await ada.post(`${h.hub.url}/api/github/connect`, {
      json: {},
      headers: { 'x-csrf-token': ada.csrf, origin: 'https://evil.example' },
      follow: false,
    });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as any).error).toMatchObject({ code: 'csrf', message: expect.stringMatching(/another site/) });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a plain member of the GitHub organization who administers another tenant, and the owner can still connect (8.2)', async () => {
    // tisket-com left installed after a disconnect: unbound, visible to every member through GET /user/installations.
    const { ada } = await connectAda();
    await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false });
    sim().addOrgMember('tisket-com', 'cyd', 'member');
    onTestFinished(() => sim().removeOrgMember('tisket-com', 'cyd'));
    const cyd = await h.signIn('user_cyd');
    const claim = await h.api(cyd, 'POST', '/api/github/claim', { installationId: tisketInstallation() });
    expect(claim.status).toBe(200);
    await h.signInToGitHub(cyd, 'cyd');
    const refused = await cyd.get(claim.body.authorizeUrl);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only an owner of tisket-com can connect it to hubgate');
    expect(await live('org_02ACME')).toHaveLength(0);
    const done = await h.connect(ada, 'ada', 'tisket-com');
    expect(done.finalUrl).toContain('connected=1');
    expect(await live('org_01TISKET')).toHaveLength(1);
  });

  it('refuses the installer once demoted to member: no claim for another tenant, no uninstall through hubgate', async () => {
    // ada, an owner of acme-corp, installs the app there herself (she is the installation.created sender)...
    sim().addOrgMember('acme-corp', 'ada', 'admin');
    onTestFinished(() => sim().removeOrgMember('acme-corp', 'ada'));
    const adaOnGitHub = await h.signIn('user_ada');
    const installationId = await installWithoutState(h, adaOnGitHub, 'ada', 'acme-corp');
    onTestFinished(() => {
      const inst = sim().store.installations.get(installationId);
      if (inst) sim().world.uninstall(inst, sim().store.requireAccount('cyd'));
    });
    // ...and is demoted to member. Her tenant (Tisket) tries to take acme-corp's installation.
    sim().addOrgMember('acme-corp', 'ada', 'member');
    const ada = await h.signIn('user_ada');
    if ((await h.api(ada, 'GET', '/api/github/connection')).body.connected)
      await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false });
    const before = await live('org_01TISKET');
    const claim = await h.api(ada, 'POST', '/api/github/claim', { installationId });
    expect(claim.status).toBe(200);
    await h.signInToGitHub(ada, 'ada');
    const refused = await ada.get(claim.body.authorizeUrl);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only an owner of acme-corp can connect it to hubgate');
    expect(await live('org_01TISKET')).toEqual(before);
    expect(sim().store.installations.has(installationId)).toBe(true);

    // An owner again, she connects it; demoted once more, she cannot uninstall it through hubgate.
    sim().addOrgMember('acme-corp', 'ada', 'admin');
    const again = await h.api(ada, 'POST', '/api/github/claim', { installationId });
    expect((await ada.get(again.body.authorizeUrl)).finalUrl).toContain('connected=1');
    sim().addOrgMember('acme-corp', 'ada', 'member');
    const uninstall = await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    expect(uninstall.status).toBe(403);
    expect(uninstall.body.error.message).toContain('Only an owner of acme-corp');
    expect(sim().store.installations.has(installationId)).toBe(true);
    expect((await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false })).status).toBe(200);
  });

  it('refuses to uninstall through hubgate for an admin who no longer administers the GitHub account (8.2)', async () => {
    // acme-corp installed by its owner cyd (the installation.created sender); ada, an owner for a while, claims it.
    sim().addOrgMember('acme-corp', 'ada', 'admin');
    onTestFinished(() => sim().removeOrgMember('acme-corp', 'ada'));
    const cydOnGitHub = await h.signIn('user_cyd');
    const acmeInstallation = await installWithoutState(h, cydOnGitHub, 'cyd', 'acme-corp');
    onTestFinished(() => {
      const inst = sim().store.installations.get(acmeInstallation);
      if (inst) sim().world.uninstall(inst, sim().store.requireAccount('cyd'));
    });
    const ada = await h.signIn('user_ada');
    const claim = await h.api(ada, 'POST', '/api/github/claim', { installationId: acmeInstallation });
    await h.signInToGitHub(ada, 'ada');
    expect((await ada.get(claim.body.authorizeUrl)).finalUrl).toContain('connected=1');
    sim().addOrgMember('acme-corp', 'ada', 'member');
    const refused = await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('Only an owner of acme-corp');
    expect(sim().store.installations.has(acmeInstallation)).toBe(true);
    expect(await live('org_01TISKET')).toHaveLength(1);
    // Disconnecting without uninstalling needs no GitHub proof.
    expect((await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false })).status).toBe(200);
  });

  it("revokes the admin's GitHub user grant at GitHub and deletes it on disconnect (8.18)", async () => {
    const { ada } = await connectAda();
    const grant = await new UserGrantStore(h.hub.db.db, h.hub.sealer).get('org_01TISKET', 'user_ada');
    expect(grant?.accessToken).toBeTruthy();
    const asAda = () => fetch(`${sim().apiUrl}/user`, { headers: { authorization: `token ${grant!.accessToken}` } });
    expect((await asAda()).status).toBe(200);
    expect((await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: false })).status).toBe(200);
    expect((await asAda()).status).toBe(401);
    const left = await h.hub.db.db.select().from(githubUserGrants).where(eq(githubUserGrants.organizationId, 'org_01TISKET'));
    expect(left).toEqual([]);
  });
});
