import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import type { FaultRule } from '../faults.js';

/**
 * `/_sim/...`: controls for tests and operators of the sandbox (faults, clock, counters, a state summary).
 * Not part of GitHub; out of the way under a prefix GitHub never uses.
 */
export function registerAdminRoutes(web: Hono, ctx: SimContext) {
  web.get('/_sim/counters', (c) =>
    c.json({
      requests: Object.fromEntries(ctx.requestCounts),
      mintsByInstallation: Object.fromEntries(ctx.world.mintsByInstallation),
      webhookDeliveries: ctx.world.webhooks.deliveries.length,
    }),
  );

  web.get('/_sim/faults', (c) => c.json(ctx.faults.list()));
  web.post('/_sim/faults', async (c) => {
    const rule = (await c.req.json().catch(() => null)) as FaultRule | null;
    if (!rule || typeof rule.route !== 'string')
      return c.json(
        {
          message:
            'a fault needs a "route" such as "POST /app/installations/{installation_id}/access_tokens" or "*"',
        },
        422,
      );
    ctx.faults.add(rule);
    return c.json(ctx.faults.list(), 201);
  });
  web.delete('/_sim/faults', (c) => {
    ctx.faults.clear();
    return c.body(null, 204);
  });

  web.put('/_sim/clock', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { offsetMs?: unknown } | null;
    if (!body || typeof body.offsetMs !== 'number')
      return c.json({ message: 'send {"offsetMs": number}' }, 422);
    ctx.clock.setOffsetMs(body.offsetMs);
    return c.json({ now: new Date(ctx.clock.now()).toISOString() });
  });

  web.get('/_sim/state', (c) => {
    const { store } = ctx;
    return c.json({
      apps: [...store.apps.values()].map((a) => ({
        id: a.id,
        slug: a.slug,
        clientId: a.clientId,
        webhookUrl: a.webhookUrl,
        setupUrl: a.setupUrl,
      })),
      users: [...store.users.values()].map((u) => ({ id: u.id, login: u.login })),
      orgs: [...store.orgs.values()].map((o) => ({
        id: o.id,
        login: o.login,
        members: Object.fromEntries([...o.members].map(([id, role]) => [store.users.get(id)?.login, role])),
      })),
      repositories: [...store.repos.values()].map((r) => ({
        id: r.id,
        fullName: `${store.account(r.ownerId)?.login}/${r.name}`,
      })),
      installations: [...store.installations.values()].map((i) => ({
        id: i.id,
        app: store.apps.get(i.appId)?.slug,
        account: store.account(i.accountId)?.login,
        selection: i.selection,
        repositoryIds: [...i.repositoryIds],
        suspended: i.suspendedAt !== null,
      })),
      installRequests: [...store.installRequests.values()].map((r) => ({
        id: r.id,
        app: store.apps.get(r.appId)?.slug,
        account: store.account(r.accountId)?.login,
        requester: store.account(r.requesterId)?.login,
      })),
    });
  });
}
