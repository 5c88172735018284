import { eventEndpointBodySchema, type EventEndpointSaved, type EventSettings } from '@hubgate/contract';
import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.js';
import type { EventSettingsService } from '../../events/event-settings-service.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import { requireAdmin, requireUser } from '../middleware/require-user.js';

const rowId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * `/api/events`: members read the tenant's event endpoint, recent deliveries and dead letters; admins set the
 * endpoint (its secret is in that answer only), rotate the secret, remove the endpoint and redeliver dead letters.
 */
export function eventsApi(deps: { events: EventSettingsService; publicUrl: string }) {
  const api = new Hono<AppEnv>();
  api.use('*', requireUser, csrf(deps.publicUrl));
  api.get('/', async (c) => {
    c.header('cache-control', 'no-store');
    return c.json((await deps.events.settings(tenantUser(c).organizationId)) satisfies EventSettings);
  });
  api.put('/endpoint', requireAdmin, async (c) => {
    const body = await jsonBody(c, eventEndpointBodySchema);
    c.header('cache-control', 'no-store');
    return c.json((await deps.events.saveEndpoint(tenantUser(c), body.url)) satisfies EventEndpointSaved);
  });
  api.post('/endpoint/rotate', requireAdmin, async (c) => {
    c.header('cache-control', 'no-store');
    return c.json((await deps.events.rotateSecret(tenantUser(c))) satisfies EventEndpointSaved);
  });
  api.delete('/endpoint', requireAdmin, async (c) => c.json(await deps.events.deleteEndpoint(tenantUser(c))));
  api.post('/deliveries/:id/redeliver', requireAdmin, async (c) => {
    const id = rowId.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError('not_found', 'There is no such dead letter here; it may have been redelivered already.');
    return c.json(await deps.events.redeliver(tenantUser(c), id.data));
  });
  return api;
}
