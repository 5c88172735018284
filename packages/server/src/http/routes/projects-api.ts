import { Hono } from 'hono';
import { z } from 'zod';
import { projectKinds } from '../../projects/repo-naming.js';
import type { ProjectService } from '../../projects/project-service.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

const createBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    kind: z.enum(projectKinds).optional(),
  })
  .strict();

/** `/api/projects`: members see the tenant's projects; admins create them. */
export function projectsApi(deps: { projects: ProjectService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => c.json({ projects: await deps.projects.list(tenantUser(c).organizationId) }));
  api.post('/', requireAdmin, async (c) => {
    const body = await jsonBody(c, createBody);
    return c.json(await deps.projects.create(tenantUser(c), body), 201);
  });
  return api;
}
