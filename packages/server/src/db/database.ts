import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { migrationsFolder, readTemplate, templateKey } from './pglite-template.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Any constant works; it only has to be the same in every replica. */
const migrationLockId = 72_120_033;

/**
 * PostgreSQL when a URL is given (`DATABASE_URL`), else PGlite, embedded, in a data folder (or in memory for
 * `memory://`). One Drizzle schema serves both. A new PGlite database starts from the build's migrated template
 * when there is one for these migrations (`pglite-template.ts`); `migrate()` then finds nothing to do.
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir?: string;
}): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    // A database that stops answering must not hang every request (8.14): a connection is given up after 3 s, a
    // statement is cancelled by PostgreSQL after 5 s and abandoned by the client after 6 s (if the server is gone).
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      connectionTimeoutMillis: 3_000,
      statement_timeout: 5_000,
      query_timeout: 6_000,
      idle_in_transaction_session_timeout: 10_000,
      keepAlive: true,
    });
    // An idle connection that dies (a PostgreSQL restart, a failover) must not crash the process: the pool
    // drops it and the next query opens a fresh one.
    pool.on('error', () => {});
    const db = drizzleNodePg(pool, { schema }) as unknown as Database;
    return {
      db,
      kind: 'postgres',
      async migrate() {
        // Several replicas may start at once: one migrates, the others wait on the lock and find nothing to do.
        // Its own connection, without the request timeouts: waiting on the lock or a long migration is expected.
        const client = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 10_000 });
        await client.connect();
        try {
          await client.query('select pg_advisory_lock($1)', [migrationLockId]);
          await migrateNodePg(drizzleNodePg(client), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [migrationLockId]).catch(() => {});
          await client.end().catch(() => {});
        }
      },
      close: () => pool.end(),
    };
  }
  const dataDir = options.dataDir ?? 'memory://';
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const isNew = inMemory || !existsSync(join(dataDir, 'PG_VERSION'));
  const template = isNew ? await readTemplate(templateKey()) : null;
  const client = new PGlite({ dataDir, ...(template ? { loadDataDir: template } : {}) });
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder }),
    close: () => client.close(),
  };
}
