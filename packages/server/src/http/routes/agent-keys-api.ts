import { Hono } from 'hono';
import { z } from 'zod';
import type { AgentKeyService } from '../../broker/agent-key-service.js';
import { AppError } from '../../errors/app-error.js';
import { type AgentKeyList, createAgentKeyBodySchema, type CreatedAgentKey } from '../api-contract.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

const keyId = z.string().uuid();

/** `/api/agent-keys`: members list the tenant's keys (prefix only); admins create (key shown once) and revoke. */
export function agentKeysApi(deps: { keys: AgentKeyService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => {
    c.header('cache-control', 'no-store');
    return c.json({ keys: await deps.keys.list(tenantUser(c).organizationId) } satisfies AgentKeyList);
  });
  api.post('/', requireAdmin, async (c) => {
    const body = await jsonBody(c, createAgentKeyBodySchema);
    // The only time the key is sent: nothing may keep this answer.
    c.header('cache-control', 'no-store');
    return c.json((await deps.keys.create(tenantUser(c), body.name)) satisfies CreatedAgentKey, 201);
  });
  api.delete('/:id', requireAdmin, async (c) => {
    const id = keyId.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError('not_found', 'There is no such agent key here, or it is already revoked.');
    await deps.keys.revoke(tenantUser(c), id.data);
    return c.json({ revoked: true as const });
  });
  return api;
}
