import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubInstallations, webhookDeliveries } from '../../src/db/schema/index.js';
import type { GitHubInstallationInfo } from '../../src/apps/github-app.js';
import { AppError } from '../../src/errors/app-error.js';
import { sha256 } from '../../src/sealing/sha256.js';
import { postgresUrl } from '../db-harness.js';
import { capturedLogs, type Harness, startHarness } from '../service-harness.js';

/** A TCP proxy in front of the real PostgreSQL that the test can make hang (accept, never forward). */
function postgresProxy() {
  const upstreamUrl = new URL(postgresUrl);
  const sockets = new Set<Socket>();
  let hung = false;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    if (hung) return;
    const upstream = createConnection(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk) => !hung && upstream.write(chunk));
    upstream.on('data', (chunk) => !hung && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return {
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    hang() {
      hung = true;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a PostgreSQL that stops answering (8.13, 8.14)', () => {
  let h: Harness;
  let proxy: ReturnType<typeof postgresProxy>;
  beforeAll(async () => {
    proxy = postgresProxy();
    const port = await proxy.listen();
    h = await startHarness({
      driver: 'postgres',
      databaseThrough: (url) => {
        const through = new URL(url);
        through.host = `127.0.0.1:${port}`;
        return through.toString();
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  it('answers /readyz with 503 within 2 s, fails requests within seconds, and logs no query parameters', async () => {
    const ada = await h.signIn('user_ada');
    expect((await fetch(`${h.hub.url}/readyz`)).status).toBe(200);
    const sessionHash = sha256(ada.cookie(new URL(h.hub.url).host, 'hubgate_session')!);
    proxy.hang();

    let started = Date.now();
    const ready = await fetch(`${h.hub.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_500);

    started = Date.now();
    const session = await ada.get(`${h.hub.url}/api/github/connection`, { headers: { accept: 'application/json' } });
    expect(session.status).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(9_000);

    const logs = capturedLogs.join('\n');
    expect(logs).toMatch(/request failed/);
    expect(logs).not.toContain(sessionHash);
    expect(logs).not.toMatch(/params: ?[^\s"\\[]/);
  }, 30_000);
});

describe('two tenants claiming the same installation at once on PostgreSQL (8.10)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ driver: 'postgres' });
  });
  afterAll(() => h.close());

  it('binds it to exactly one; the other gets the clear 409, not a 500', async () => {
    for (let round = 0; round < 5; round++) {
      const info: GitHubInstallationInfo = {
        id: 7_000_000 + round,
        account: { login: `race-${round}`, id: 8_000_000 + round, type: 'Organization' },
        repository_selection: 'selected',
        permissions: { contents: 'write' },
        suspended_at: null,
      };
      const claim = (organizationId: string) =>
        h.hub.lifecycle.bind({ organizationId, actor: `admin-of-${organizationId}` }, 'system', info).then(
          () => 'bound',
          (error: unknown) => error,
        );
      const outcomes = await Promise.all([claim(`org_race_a${round}`), claim(`org_race_b${round}`)]);
      expect(outcomes.filter((o) => o === 'bound')).toHaveLength(1);
      const refusal = outcomes.find((o) => o !== 'bound');
      expect(refusal).toBeInstanceOf(AppError);
      expect(refusal).toMatchObject({ code: 'conflict', status: 409 });
      expect((refusal as AppError).userMessage).toMatch(/already connected to another organization/);
    }
  });
});

describe('a replica starting on PostgreSQL (8.5)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ driver: 'postgres' });
  });
  afterAll(() => h.close());

  it('applies at start a delivery that an earlier process acknowledged and lost in a crash', async () => {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    const { installationId } = (await h.api(ada, 'GET', '/api/github/connection')).body;
    // The earlier process acknowledged GitHub's "deleted" with 202 and died: a `received` row, its lease run out.
    await h.hub.db.db.insert(webhookDeliveries).values({
      deliveryId: crypto.randomUUID(),
      event: 'installation',
      action: 'deleted',
      installationId,
      status: 'received',
      payload: { action: 'deleted', installation: { id: installationId }, sender: { id: 1, login: 'ada' } },
      leaseUntil: new Date(Date.now() - 1000),
    });
    const live = () =>
      h.hub.db.db
        .select()
        .from(githubInstallations)
        .where(and(eq(githubInstallations.installationId, installationId), isNull(githubInstallations.deletedAt)));
    expect(await live()).toHaveLength(1);
    // A new replica on the same database; its GitHub (a fresh simulator) has no such installation, as after a delete.
    const replica = await startHarness({ databaseOf: h });
    try {
      expect(await live()).toHaveLength(0);
    } finally {
      await replica.close();
    }
  });
});
