import { Hono } from 'hono';
import { z } from 'zod';
import type { AgentKeyService } from '../../broker/agent-key-service.js';
import type { TokenBroker } from '../../broker/token-broker.js';
import { AppError } from '../../errors/app-error.js';
import {
  type AgentKeyList,
  createAgentKeyBodySchema,
  type CreatedAgentKey,
  type RevokedAgentKey,
  type RevokedAgentTokens,
} from '@hubgate/contract';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

const keyId = z.string().uuid();

/**
 * `/api/agent-keys`: members list the tenant's keys (prefix and grant only); admins create (key shown once) and revoke
 * (with every token the key holds). `/api/agent-tokens`: `DELETE` is the kill switch, every live agent token of the
 * organization revoked at once.
 */
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
    return c.json((await deps.keys.create(tenantUser(c), body)) satisfies CreatedAgentKey, 201);
  });
  api.delete('/:id', requireAdmin, async (c) => {
    const id = keyId.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError('not_found', 'There is no such agent key here, or it is already revoked.');
    return c.json((await deps.keys.revoke(tenantUser(c), id.data)) satisfies RevokedAgentKey);
  });
  return api;
}

export function agentTokensApi(deps: { broker: TokenBroker; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.delete('/', requireAdmin, async (c) => {
    const user = tenantUser(c);
    return c.json((await deps.broker.revokeAllForTenant(user.organizationId, user.userId)) satisfies RevokedAgentTokens);
  });
  return api;
}
