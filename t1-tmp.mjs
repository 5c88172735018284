import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
const { PGlite } = await import('@electric-sql/pglite');
const f = readFileSync(process.argv[2]);
const c = new PGlite({ dataDir: 'memory://', loadDataDir: new Blob([gunzipSync(f)]), debug: 1 });
await c.waitReady;
await c.close();
