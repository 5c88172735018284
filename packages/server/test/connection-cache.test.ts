import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionViewCache } from '../src/connect/connection-cache.js';
import type { DatabaseHandle } from '../src/db/database.js';
import { githubInstallations } from '../src/db/schema/index.js';
import { InstallationStore } from '../src/stores/installation-store.js';
import { inTransaction } from '../src/stores/transaction.js';
import { freshDatabase } from './db-harness.js';

/**
 * The settings page's connection view is kept in the process (`GET /api/github/connection`); these are the promises
 * that make that safe: a change this process writes shows on the next call, another replica's within the lifetime.
 */
describe('the cached connection view', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await freshDatabase('pglite');
  });
  afterAll(() => handle.close());

  let tenant = 0;
  const binding = (organizationId: string, installationId: number) => ({
    organizationId,
    installationId,
    accountLogin: `account-${installationId}`,
    accountId: installationId,
    accountType: 'Organization' as const,
    repositorySelection: 'selected' as const,
  });
  /** A fresh tenant, and a view of it read through the cache the way the route reads it: counting builds. */
  function viewOf(ttlMs?: number) {
    const organizationId = `org_cache_${++tenant}`;
    const cache = new ConnectionViewCache<{ connected: boolean; suspended: boolean }>(handle.db, { ttlMs });
    const counter = { builds: 0 };
    const read = () =>
      cache.get(organizationId, async () => {
        counter.builds++;
        const row = await new InstallationStore(handle.db).liveForTenant(organizationId);
        return { connected: Boolean(row), suspended: Boolean(row?.suspendedAt) };
      });
    return { organizationId, read, counter };
  }

  it('answers repeated calls from memory, building the view once', async () => {
    const view = viewOf();
    await Promise.all([view.read(), view.read(), view.read()]);
    await view.read();
    expect(view.counter.builds).toBe(1);
  });

  it('shows on the next call a binding this process wrote', async () => {
    const view = viewOf();
    expect(await view.read()).toEqual({ connected: false, suspended: false });
    await new InstallationStore(handle.db).insert(binding(view.organizationId, 7_100_001));
    expect(await view.read()).toEqual({ connected: true, suspended: false });
  });

  it('shows on the next call a change committed in a transaction (the lifecycle writes in one)', async () => {
    const view = viewOf();
    await new InstallationStore(handle.db).insert(binding(view.organizationId, 7_100_002));
    expect((await view.read()).suspended).toBe(false);
    await inTransaction(handle.db, (tx) =>
      new InstallationStore(tx).update({ appKey: 'system', installationId: 7_100_002 }, { suspendedAt: new Date() }),
    );
    expect((await view.read()).suspended).toBe(true);
  });

  it('shows another replica\'s change once the lifetime has passed, not before', async () => {
    const view = viewOf(300);
    expect((await view.read()).connected).toBe(false);
    // Another replica writes: this process's stores are not involved, so nothing here hears of it.
    await handle.db.insert(githubInstallations).values(binding(view.organizationId, 7_100_003));
    expect((await view.read()).connected).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await view.read()).connected).toBe(true);
  });

  it('does not keep a build that failed', async () => {
    const cache = new ConnectionViewCache<{ n: number }>(handle.db);
    await expect(cache.get('k', () => Promise.reject(new Error('database unreachable')))).rejects.toThrow('database unreachable');
    expect(await cache.get('k', async () => ({ n: 1 }))).toEqual({ n: 1 });
  });
});
