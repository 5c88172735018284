import { Hono } from 'hono';
import type { ProjectService } from '../../projects/project-service.js';
import { createProjectBodySchema, type Project, type ProjectList } from '@hubgate/contract';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

/** `/api/projects`: members see the tenant's projects; admins create them. */
export function projectsApi(deps: { projects: ProjectService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => c.json({ projects: await deps.projects.list(tenantUser(c).organizationId) } satisfies ProjectList));
  api.post('/', requireAdmin, async (c) => {
    const body = await jsonBody(c, createProjectBodySchema);
    return c.json((await deps.projects.create(tenantUser(c), body)) satisfies Project, 201);
  });
  return api;
}
