import { Hono } from 'hono';
import type { TenantAppService } from '../../tenant-apps/tenant-app-service.js';
import { startManifestBodySchema, type TenantAppAnswer } from '@hubgate/contract';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

/** `/github/app-manifest`: where the tenant's GHES host sends the admin back with the manifest code. */
export function tenantManifestReturn(deps: { tenantApps: TenantAppService }) {
  const pages = new Hono<AppEnv>();
  pages.get('/', requireAdmin, async (c) => {
    await deps.tenantApps.finishManifest(tenantUser(c), { code: c.req.query('code'), state: c.req.query('state') });
    return c.redirect('/workspace/settings/github-app?app=registered');
  });
  return pages;
}

/** `/api/github/app`: the tenant's own GitHub App (GHES): members see it (fingerprints only), admins save or remove it. */
export function tenantAppApi(deps: { tenantApps: TenantAppService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => c.json((await deps.tenantApps.get(tenantUser(c).organizationId)) satisfies TenantAppAnswer));
  api.put('/', requireAdmin, async (c) => {
    const body = await c.req.json().catch(() => null);
    return c.json(await deps.tenantApps.save(tenantUser(c), body));
  });
  api.post('/manifest', requireAdmin, async (c) => {
    const body = await jsonBody(c, startManifestBodySchema);
    return c.json(await deps.tenantApps.startManifest(tenantUser(c), body));
  });
  api.delete('/', requireAdmin, async (c) => c.json(await deps.tenantApps.remove(tenantUser(c))));
  return api;
}
