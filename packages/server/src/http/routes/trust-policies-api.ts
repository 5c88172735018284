import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import type { TrustPolicyService } from '../../workload/trust-policy-service.js';
import { createTrustPolicyBodySchema, type TrustPolicy, type TrustPolicyList } from '@hubgate/contract';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

const policyId = z.string().uuid();

/**
 * `/api/trust-policies`: members list the tenant's trust policies (and the audience its ID tokens must carry);
 * admins create and delete them (deleting revokes every token exchanged under the policy).
 */
export function trustPoliciesApi(deps: { policies: TrustPolicyService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => {
    c.header('cache-control', 'no-store');
    return c.json((await deps.policies.list(tenantUser(c).organizationId)) satisfies TrustPolicyList);
  });
  api.post('/', requireAdmin, async (c) => {
    const body = await jsonBody(c, createTrustPolicyBodySchema);
    return c.json((await deps.policies.create(tenantUser(c), body)) satisfies TrustPolicy, 201);
  });
  api.delete('/:id', requireAdmin, async (c) => {
    const id = policyId.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError('not_found', 'There is no such trust policy here, or it is already deleted.');
    return c.json(await deps.policies.delete(tenantUser(c), id.data));
  });
  return api;
}
