import { systemClock } from '@hubgate/github-auth';
import { and, eq } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppRegistry } from '../src/apps/app-registry.js';
import { type DatabaseHandle, openDatabase } from '../src/db/database.js';
import { githubUserGrants, repos } from '../src/db/schema/index.js';
import type { TenantUser } from '../src/identity/principal.js';
import { createLogger } from '../src/logger.js';
import { ProjectService } from '../src/projects/project-service.js';
import { userTokenForAccount } from '../src/projects/user-grant-token.js';
import { UserGrantStore } from '../src/stores/user-grant-store.js';
import { drivers } from './db-harness.js';
import { cloneWith } from './git-clone.js';
import { type Harness, startHarness } from './service-harness.js';

const org = 'org_02ACME';
const cyd: TenantUser = {
  kind: 'user',
  via: 'session',
  csrfToken: '',
  sessionHash: null,
  userId: 'user_cyd',
  organizationId: org,
  organizationName: 'Acme',
  role: 'admin',
  name: 'Cyd',
  email: null,
  isAdmin: true,
};

/** Waits until `count` other sessions wait for a row lock (both instances are inside `withLockedGrant`). */
async function waitForLockWaiters(client: pg.Client, count: number) {
  for (let i = 0; i < 200; i++) {
    // pg_stat_activity is read once per transaction unless the snapshot is cleared (the holder is in one).
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and state = 'active' and datname = current_database()",
    );
    if (rows[0].n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the replicas never waited for the grant lock');
}

describe.each(drivers)('projects in a personal account (%s)', (driver) => {
  let h: Harness;
  // A fresh hubgate per test: one test revokes the admin's refresh token, others expire the access token.
  beforeEach(async () => {
    h = await startHarness({ driver });
    const browser = await h.signIn('user_cyd');
    const done = await h.connect(browser, 'cyd', 'cyd');
    if (!done.finalUrl.includes('connected=1')) throw new Error(`connect ended at ${done.finalUrl}`);
  });
  afterEach(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const grants = () => new UserGrantStore(h.hub.db.db, h.hub.sealer);
  const rows = () => h.hub.db.db.select().from(repos).where(eq(repos.organizationId, org));

  /** The admin's access token has expired, at GitHub and in our row. */
  async function expireAccessToken() {
    const grant = (await grants().get(org, 'user_cyd'))!;
    sim().store.tokens.get(grant.accessToken!)!.expiresAt = sim().clock.now() - 1000;
    await h.hub.db.db
      .update(githubUserGrants)
      .set({ accessExpiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(githubUserGrants.organizationId, org), eq(githubUserGrants.userId, 'user_cyd')));
    return grant;
  }

  /** Another replica of the service: its own app registry (token caches) and, on PostgreSQL, its own connection pool. */
  async function secondInstance(): Promise<{ projects: ProjectService; close(): Promise<void> }> {
    let handle: DatabaseHandle | null = null;
    if (driver === 'postgres') handle = await openDatabase({ databaseUrl: h.hub.config.databaseUrl! });
    const apps = new AppRegistry(h.hub.github, { redis: null, logger: h.hub.logger, clock: systemClock, fetch, retryBaseMs: 10 });
    const projects = new ProjectService(
      { db: handle?.db ?? h.hub.db.db, apps, sealer: h.hub.sealer, logger: createLogger({ level: 'silent' }), now: () => new Date() },
      { productName: 'Tisket', pacing: { minIntervalMs: 0 } },
    );
    return { projects, close: async () => handle?.close() };
  }

  it('creates the repository with the admin’s user token (POST /user/repos) and pushes its content with a scoped installation token', async () => {
    const browser = await h.signIn('user_cyd');
    const userCreates = sim().requestCount('POST /user/repos');
    const created = await h.api(browser, 'POST', '/api/projects', { name: 'Roadmap' });
    expect(created.status).toBe(201);
    expect(sim().requestCount('POST /user/repos')).toBe(userCreates + 1);
    const repo = sim().store.findRepo('cyd', 'roadmap.tickets')!;
    expect(created.body.repository).toMatchObject({ id: repo.id, fullName: 'cyd/roadmap.tickets', private: true, access: 'reachable' });
    const token = await h.hub.projects.tokenFor(org, created.body.id, { contents: 'read' });
    const clone = await cloneWith(token.remoteUrl, token.token);
    expect(clone.ok && clone.files).toEqual(['README.md', 'tickets/.gitkeep']);
  });

  it('refreshes an expired user token once across two service instances sharing the database', async () => {
    const old = await expireAccessToken();
    const second = await secondInstance();
    try {
      const [a, b] = await Promise.all([h.hub.projects.create(cyd, { name: 'Refresh A' }), second.projects.create(cyd, { name: 'Refresh B' })]);
      expect(a.repository.fullName).toBe('cyd/refresh-a.tickets');
      expect(b.repository.fullName).toBe('cyd/refresh-b.tickets');
    } finally {
      await second.close();
    }
    // One refresh: the pair stored now is the one that refresh gave; the old refresh token is dead at GitHub.
    const now = (await grants().get(org, 'user_cyd'))!;
    expect(now.accessToken).not.toBe(old.accessToken);
    expect(now.refreshToken).not.toBe(old.refreshToken);
    expect(sim().store.tokens.get(old.refreshToken!)?.revoked ?? true).toBe(true);
    expect(sim().store.tokens.get(now.refreshToken!)!.revoked).toBe(false);
    expect(now.row.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
  });

  it.runIf(driver === 'postgres')('lets one of two replicas waiting on the grant lock refresh, and the other use the new pair', async () => {
    const old = await expireAccessToken();
    const second = await openDatabase({ databaseUrl: h.hub.config.databaseUrl! });
    // A third session holds the grant's row until both replicas have seen the expired token and wait for the lock.
    const holder = new pg.Client({ connectionString: h.hub.config.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from github_user_grants where organization_id = $1 and user_id = $2 for update', [org, 'user_cyd']);
      const app = h.hub.apps.system;
      const deps = (db: DatabaseHandle['db']) => ({ db, sealer: h.hub.sealer, now: () => new Date() });
      const both = Promise.all([
        userTokenForAccount(deps(h.hub.db.db), app, org, sim().store.requireAccount('cyd').id),
        userTokenForAccount(deps(second.db), app, org, sim().store.requireAccount('cyd').id),
      ]);
      await waitForLockWaiters(holder, 2);
      await holder.query('commit');
      const [a, b] = await both;
      expect(a.token).toBe(b.token);
      expect(a.token).not.toBe(old.accessToken);
      expect(sim().store.tokens.get(old.refreshToken!)?.revoked ?? true).toBe(true);
    } finally {
      await holder.end();
      await second.close();
    }
  });

  it('asks the admin to reconnect when the grant no longer works, and stores nothing', async () => {
    const grant = await expireAccessToken();
    sim().store.tokens.get(grant.refreshToken!)!.revoked = true;
    const browser = await h.signIn('user_cyd');
    const before = await rows();
    const refused = await h.api(browser, 'POST', '/api/projects', { name: 'Dead grant' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/reconnect GitHub to authorize again/);
    expect(refused.body.error.message).not.toMatch(/ghr_|ghu_/);
    expect(await rows()).toEqual(before);
    expect(sim().store.findRepo('cyd', 'dead-grant.tickets')).toBeUndefined();
  });
});
