import { sql } from 'drizzle-orm';
import type { Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http-context.js';
import type { Metrics } from '../metrics.js';

export function registerHealthRoutes(app: Hono<AppEnv>, deps: { db: Database; metrics: Metrics }) {
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) => {
    try {
      await deps.db.execute(sql`select 1`);
      return c.json({ ready: true });
    } catch {
      return c.json({ ready: false, problem: 'database unreachable' }, 503);
    }
  });
  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
  );
}
