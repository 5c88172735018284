import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { startHubgate } from '../src/compose/start-hubgate.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { ensureTemplate, migrationsFolder, readTemplate, templateKey } from '../src/db/pglite-template.js';
import { createLogger } from '../src/logger.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
/** Rows of a raw query: `execute` is typed per driver, and PGlite and node-postgres both answer `{ rows }`. */
const rowsOf = async (db: Database, query: SQL) => ((await db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
const migrationCount = () => (JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

it('a new embedded database starts from the migrated template: every migration recorded, no rows, only template1', async () => {
  const db = await openDatabase({ dataDir: 'memory://' });
  cleanup.push(() => db.close());
  await db.migrate();
  // The template's mark: its builder dropped the cluster's two unused databases; initdb would have made them.
  const databases = await rowsOf(db.db, sql`select datname from pg_database order by datname`);
  expect(databases.map((row) => row.datname)).toEqual(['template1']);
  const applied = await rowsOf(db.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  expect(applied[0]!.n).toBe(migrationCount());
  const tables = await rowsOf(db.db, sql`select table_name from information_schema.tables where table_schema = 'public'`);
  expect(tables.length).toBeGreaterThan(5);
  for (const { table_name } of tables) {
    const rows = await rowsOf(db.db, sql.raw(`select count(*)::int as n from public."${String(table_name)}"`));
    expect({ table: table_name, rows: rows[0]!.n }).toEqual({ table: table_name, rows: 0 });
  }
}, 60_000);

it('a changed migration set never loads the old template: its key differs and the build replaces the file', async () => {
  const folder = tempDir('hubgate-migrations-');
  cpSync(migrationsFolder, folder, { recursive: true });
  const dir = tempDir('hubgate-template-');
  const first = await ensureTemplate({ dir, folder });
  expect(first.made).toBe(true);
  expect(await readTemplate(first.key, dir)).not.toBeNull();

  // A new migration (even one whose SQL only differs by a column) is a new key: the old template is not found.
  writeFileSync(join(folder, '0099_added_later.sql'), 'alter table "sessions" add column "note" text;\n');
  const changedKey = templateKey(folder);
  expect(changedKey).not.toBe(first.key);
  expect(await readTemplate(changedKey, dir)).toBeNull();
  // Again the same set: the same key, nothing made.
  rmSync(join(folder, '0099_added_later.sql'));
  expect(templateKey(folder)).toBe(first.key);
  expect((await ensureTemplate({ dir, folder })).made).toBe(false);
  expect(readdirSync(dir)).toEqual([`${first.key}.tar.gz`]);
}, 90_000);

it('a restarted sandbox on the same data folder starts from an empty database (no row of the previous run)', async () => {
  const dataDir = tempDir('hubgate-sandbox-restart-');
  const quiet = createLogger({ level: 'silent' });
  const env = { PORT: '0', HOST: '127.0.0.1', HUBGATE_DATA_DIR: dataDir, HUBGATE_RECONCILE_INTERVAL_SECONDS: '0' };
  const first = await startHubgate({ env, logger: quiet });
  await first.db.db.execute(sql`insert into audit_events (organization_id, actor, action) values ('org_01TISKET', 'user_ada', 'left.by.first.run')`);
  expect((await rowsOf(first.db.db, sql`select count(*)::int as n from audit_events`))[0]!.n).toBe(1);
  await first.close();

  const second = await startHubgate({ env, logger: quiet });
  cleanup.push(() => second.close());
  expect((await rowsOf(second.db.db, sql`select count(*)::int as n from audit_events`))[0]!.n).toBe(0);
  expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
}, 90_000);
