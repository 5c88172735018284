import { Hono } from 'hono';
import type { ReconcileJob } from '../../reconcile/reconcile-job.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { requireAdmin } from '../middleware/require-user.js';

/** `POST /api/github/reconcile`: an admin asks for the tenant's state to be compared with GitHub now. */
export function reconcileApi(deps: { reconcile: ReconcileJob; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.post('/', requireAdmin, csrf(deps.publicUrl), async (c) => {
    const report = await deps.reconcile.run({ organizationId: tenantUser(c).organizationId });
    return c.json({ status: report.status, changes: report.changes.map(({ kind, target }) => ({ kind, target })) });
  });
  return api;
}
