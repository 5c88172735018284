import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
const { PGlite } = await import('@electric-sql/pglite');
if (process.argv[2] === 'make') {
  const c = new PGlite({ dataDir: 'memory://', loadDataDir: new Blob([gunzipSync(readFileSync(process.argv[3]))]) });
  await c.waitReady;
  await c.close();
  const tar = await c.fs.dumpTar('pgdata', 'none');
  writeFileSync('/tmp/perfstart/clean.tar', Buffer.from(await tar.arrayBuffer()));
  console.log('clean', tar.size);
  writeFileSync('/tmp/perfstart/dirty.tar', gunzipSync(readFileSync(process.argv[3])));
} else {
  const buf = readFileSync('/tmp/perfstart/' + process.argv[2] + '.tar');
  const t0 = performance.now(); const c0 = process.cpuUsage();
  const c = new PGlite({ dataDir: 'memory://', loadDataDir: new Blob([buf]), debug: process.argv[3] ? 1 : 0 });
  await c.waitReady;
  const cu = process.cpuUsage(c0);
  console.log(process.argv[2], 'wall', Math.round(performance.now() - t0), 'cpu', Math.round((cu.user + cu.system) / 1000));
  console.log((await c.query('select count(*) from drizzle.__drizzle_migrations')).rows);
}
