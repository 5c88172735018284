import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { githubInstallations, webhookDeliveries } from '../src/db/schema/index.js';
import { drivers, freshDatabase } from './db-harness.js';

describe.each(drivers)('storage on %s', (driver) => {
  let handle: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    handle = await freshDatabase(driver);
  });
  afterAll(() => handle.close());

  const binding = (organizationId: string, installationId: number) => ({
    organizationId,
    installationId,
    accountLogin: 'tisket-com',
    accountId: 1,
    accountType: 'Organization' as const,
    repositorySelection: 'selected' as const,
  });

  it('binds one live installation per tenant and one tenant per live installation', async () => {
    await handle.db.insert(githubInstallations).values(binding('org_A', 1));
    await expect(handle.db.insert(githubInstallations).values(binding('org_B', 1))).rejects.toThrow();
    await expect(handle.db.insert(githubInstallations).values(binding('org_A', 2))).rejects.toThrow();
    // A retired binding frees both for a later connection.
    await handle.db
      .update(githubInstallations)
      .set({ deletedAt: new Date() })
      .where(eq(githubInstallations.organizationId, 'org_A'));
    await handle.db.insert(githubInstallations).values(binding('org_B', 1));
    const live = await handle.db.select().from(githubInstallations).where(sql`deleted_at is null`);
    expect(live.map((r) => r.organizationId)).toEqual(['org_B']);
  });

  it('records a webhook delivery id once', async () => {
    await handle.db
      .insert(webhookDeliveries)
      .values({ deliveryId: 'd-1', event: 'installation', status: 'received' });
    const again = await handle.db
      .insert(webhookDeliveries)
      .values({ deliveryId: 'd-1', event: 'installation', status: 'received' })
      .onConflictDoNothing()
      .returning();
    expect(again).toHaveLength(0);
  });
});

describe('migrations', () => {
  it('are safe when several replicas start at once on PostgreSQL', async () => {
    const first = await freshDatabase('postgres');
    try {
      const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: first.url! })));
      await Promise.all(replicas.map((r) => r.migrate()));
      await Promise.all(replicas.map((r) => r.close()));
    } finally {
      await first.close();
    }
  });
});
