import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';

/**
 * A new embedded database (every sandbox start, a first production start on PGlite, each test's in-memory
 * database) would otherwise run PGlite's initdb and every migration: seconds of WebAssembly, most of a sandbox
 * start. Instead the build keeps one migrated, empty data folder as a tarball, and a new database loads it
 * (PGlite's `loadDataDir`). The file is named by a key over the PGlite version and the migration files, so a
 * changed migration set or a PGlite upgrade never loads an old template: it is simply not found, and the database
 * is created the slow way. The template is made by its own in-memory database that ran the migrations and nothing
 * else: it holds the schema and never a row of anyone's data.
 */

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
/** Built next to the compiled code (src/ and dist/ both resolve here), published and copied into the image with it. */
export const builtTemplateDir = fileURLToPath(new URL('../../dist/pglite-template', import.meta.url));

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

function pgliteVersion(): string {
  // The package exports no ./package.json: found next to its resolved entry point (dist/index.cjs).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function filesUnder(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(folder, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

/** Names a template: the PGlite version and every migration file, by name and content. */
export function templateKey(folder = migrationsFolder): string {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
  for (const file of filesUnder(folder)) hash.update(`${file}\n`).update(readFileSync(join(folder, file)));
  return hash.digest('hex').slice(0, 24);
}

const fileOf = (dir: string, key: string) => join(dir, `${key}.tar.gz`);

/** The template for `key` as PGlite's `loadDataDir` takes it, or null when there is none (or it is unreadable). */
export async function readTemplate(key: string, dir = builtTemplateDir): Promise<Blob | null> {
  try {
    // Unpacked by zlib on the thread pool (PGlite's own gzip path is JavaScript on the main thread, 1-2 s slower).
    return new Blob([await gunzipAsync(await readFile(fileOf(dir, key)))]);
  } catch {
    return null;
  }
}

/**
 * Makes the template for the migrations in `folder` into `dir` unless it is there already, and removes the
 * templates of other keys. Run by the build (`npm run build`), so every start after it finds one.
 */
export async function ensureTemplate(options: { dir?: string; folder?: string } = {}): Promise<{ key: string; file: string; made: boolean }> {
  const dir = options.dir ?? builtTemplateDir;
  const folder = options.folder ?? migrationsFolder;
  const key = templateKey(folder);
  const file = fileOf(dir, key);
  mkdirSync(dir, { recursive: true });
  const present = readdirSync(dir);
  for (const name of present) if (name !== `${key}.tar.gz`) rmSync(join(dir, name), { force: true });
  if (present.includes(`${key}.tar.gz`)) return { key, file, made: false };

  const [{ PGlite, MemoryFS }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  // Our own handle on the in-memory filesystem: it is dumped after a clean shutdown, so a database loaded from
  // the template starts as a cleanly stopped one (no crash recovery), a third quicker than from a live dump.
  const memory = new MemoryFS();
  const client: PGlite = new PGlite({ fs: memory });
  try {
    await migrate(drizzle(client), { migrationsFolder: folder });
    // PGlite serves template1; the cluster's two other databases are half the folder (and of what a start
    // unpacks, in JavaScript) for nothing.
    for (const statement of ['drop database postgres', 'alter database template0 is_template false', 'drop database template0']) {
      await client.exec(statement); // one at a time: DROP DATABASE refuses a (multi-statement) transaction
    }
  } finally {
    await client.close();
  }
  const tar = await memory.dumpTar('pgdata', 'none');
  const packed = await gzipAsync(Buffer.from(await tar.arrayBuffer()));
  // Written aside then renamed: a start running meanwhile finds the whole file or none.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, packed);
  renameSync(partial, file);
  return { key, file, made: true };
}
