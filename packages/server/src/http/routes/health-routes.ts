import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Database } from '../../db/database.js';
import type { Metrics } from '../../metrics.js';
import type { AppEnv } from '../app-env.js';

/** Liveness, readiness (the database answers within 2 s) and Prometheus metrics (optionally behind a token). */
export function healthRoutes(deps: { db: Database; metrics: Metrics; metricsToken?: string }) {
  const health = new Hono<AppEnv>();
  health.get('/healthz', (c) => c.json({ ok: true }));
  health.get('/readyz', async (c) => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref());
    try {
      await Promise.race([deps.db.execute(sql`select 1`), timeout]);
      return c.json({ ready: true });
    } catch {
      return c.json({ ready: false, problem: 'database unreachable' }, 503);
    }
  });
  health.get('/metrics', async (c) => {
    if (deps.metricsToken && c.req.header('authorization') !== `Bearer ${deps.metricsToken}`)
      return c.json({ error: { code: 'unauthenticated', message: 'Metrics need the metrics token.' } }, 401);
    return c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });
  return health;
}
