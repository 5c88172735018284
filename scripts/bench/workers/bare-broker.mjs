// The broker row's floor: the same request doing the same database work minus hubgate. hono on @hono/node-server,
// the body parsed and checked for a repository, one indexed SELECT (the agent key by its hash, joined to the
// project by name, as hubgate's lookup), and one INSERT per batch of concurrent calls (committed before the answer,
// as hubgate's leases), on the same PostgreSQL. The token answered is a constant: no cache, no grant, no audit.
import { createHash, randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query('create table if not exists floor_leases (id uuid primary key, key_id uuid not null, created_at timestamptz not null default now())');

let queue = [];
let scheduled = false;
function flush() {
  scheduled = false;
  const batch = queue;
  queue = [];
  pool
    .query({
      name: 'floor_insert',
      text: 'insert into floor_leases (id, key_id) select * from unnest($1::uuid[], $2::uuid[])',
      values: [batch.map((b) => b.id), batch.map((b) => b.keyId)],
    })
    .then(() => batch.forEach((b) => b.resolve()), (error) => batch.forEach((b) => b.reject(error)));
}
const record = (keyId) =>
  new Promise((resolve, reject) => {
    queue.push({ id: randomUUID(), keyId, resolve, reject });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });

const app = new Hono();
app.get('/healthz', (c) => c.json({ ok: true }));
app.post('/api/v1/tokens', async (c) => {
  const body = JSON.parse(await c.req.text());
  if (typeof body.repository !== 'string') return c.json({ error: 'repository' }, 400);
  const key = (c.req.header('authorization') ?? '').replace(/^Bearer /, '');
  const hash = createHash('sha256').update(key).digest('base64url');
  const { rows } = await pool.query({
    name: 'floor_lookup',
    text: `select k.id, r.github_repo_id from agent_keys k
           left join repos r on r.organization_id = k.organization_id and lower(r.full_name) = $2
           where k.key_hash = $1`,
    values: [hash, body.repository.toLowerCase()],
  });
  if (!rows[0]) return c.json({ error: 'unknown key' }, 401);
  await record(rows[0].id);
  return c.json({ token: 'ghs_floor', expiresAt: new Date(Date.now() + 3600_000).toISOString(), repository: { id: Number(rows[0].github_repo_id) } });
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
