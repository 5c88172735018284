import { Hono } from 'hono';
import type { TenantAppService } from '../../tenant-apps/tenant-app-service.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

/** `/api/github/app`: the tenant's own GitHub App (GHES): members see it (fingerprints only), admins save or remove it. */
export function tenantAppApi(deps: { tenantApps: TenantAppService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => c.json(await deps.tenantApps.get(tenantUser(c).organizationId)));
  api.put('/', requireAdmin, async (c) => {
    const body = await c.req.json().catch(() => null);
    return c.json(await deps.tenantApps.save(tenantUser(c), body));
  });
  api.delete('/', requireAdmin, async (c) => c.json(await deps.tenantApps.remove(tenantUser(c))));
  return api;
}
