import { Hono } from 'hono';
import type { AppRegistry } from '../../apps/app-registry.js';
import type { ConnectService } from '../../connect/connect-service.js';
import { ConnectionViewCache } from '../../connect/connection-cache.js';
import { connectionView } from '../../connect/connection-view.js';
import type { Database } from '../../db/database.js';
import type { RestoreAccess } from '../../reconnect/restore-access.js';
import {
  claimBodySchema,
  type ClaimResult,
  type Connection,
  type ConnectResult,
  disconnectBodySchema,
  type DisconnectResult,
  type ReconnectResult,
} from '@hubgate/contract';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

/** `/api/github`: the connection as the page sees it; admins connect, claim and disconnect. */
export function githubApi(deps: {
  db: Database;
  apps: AppRegistry;
  connect: ConnectService;
  restore: RestoreAccess;
  publicUrl: string;
  /** the product's name, as the page copy says it */
  productName: string;
  /** how long another replica's change may go unseen (default `connectionCacheTtlMs`) */
  connectionCacheTtlMs?: number;
}) {
  const api = new Hono<AppEnv>();
  const views = new ConnectionViewCache<Connection>(deps.db, { ttlMs: deps.connectionCacheTtlMs });
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/connection', async (c) => {
    const user = tenantUser(c);
    // the view depends on the tenant and on whether the caller may manage it (claimable installations), nothing else
    const body = await views.get(`${user.organizationId}\n${user.isAdmin}`, async (): Promise<Connection> => {
      const view = await connectionView(deps.db, deps.apps, user, deps.productName);
      if (!view.connected) return { ...view, reconnect: null };
      const reconnect = await deps.restore.result(user.organizationId);
      return { ...view, reconnect: reconnect.status !== 'none' ? reconnect : null };
    });
    return c.json(body);
  });
  api.get('/reconnect', async (c) => c.json((await deps.restore.result(tenantUser(c).organizationId)) satisfies ReconnectResult));
  api.post('/connect', requireAdmin, async (c) => c.json((await deps.connect.startConnect(tenantUser(c))) satisfies ConnectResult));
  api.post('/claim', requireAdmin, async (c) => {
    const body = await jsonBody(c, claimBodySchema);
    return c.json((await deps.connect.startClaim(tenantUser(c), body.installationId)) satisfies ClaimResult);
  });
  api.post('/disconnect', requireAdmin, async (c) => {
    const body = await jsonBody(c, disconnectBodySchema);
    return c.json((await deps.connect.disconnect(tenantUser(c), body)) satisfies DisconnectResult);
  });
  return api;
}
