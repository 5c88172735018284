import { Hono } from 'hono';
import { enforceLimit, type KeyRateLimiter } from '../../broker/key-rate-limiter.js';
import type { ReconcileJob } from '../../reconcile/reconcile-job.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { requireAdmin } from '../middleware/require-user.js';

/** Admin-asked runs per tenant per minute: enough to check again after fixing something on GitHub, not a loop. */
export const reconcileRunsPerMinute = 10;

/**
 * `POST /api/github/reconcile`: an admin asks for the tenant's state to be compared with GitHub now. Limited per
 * tenant (`limiter`, counting `reconcileRunsPerMinute`), and run under the tenant's own lock, never the fleet's.
 */
export function reconcileApi(deps: { reconcile: ReconcileJob; publicUrl: string; limiter: KeyRateLimiter; nowMs?: () => number }) {
  const api = new Hono<AppEnv>();
  const limited = enforceLimit(
    deps.limiter,
    deps.nowMs ?? Date.now,
    `This organization asked for a check ${reconcileRunsPerMinute} times in the last minute; try again later.`,
  );
  api.post('/', requireAdmin, csrf(deps.publicUrl), async (c) => {
    const { organizationId } = tenantUser(c);
    await limited(`reconcile:${organizationId}`);
    const report = await deps.reconcile.run({ organizationId });
    return c.json({ status: report.status, changes: report.changes.map(({ kind, target }) => ({ kind, target })) });
  });
  return api;
}
