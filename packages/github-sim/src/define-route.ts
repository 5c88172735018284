import type { Context, Hono } from 'hono';
import type { SimContext } from './context.js';
import { SimHttpError } from './errors.js';
import {
  credentialOf,
  type Principal,
  type PrincipalKind,
  rateBucket,
  resolvePrincipal,
} from './principal.js';

export type RouteAuth = PrincipalKind[] | 'none';

type Handler = (c: Context, principal: Principal) => Response | Promise<Response>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const wrongCredentialMessage: Record<string, string> = {
  app: 'A JSON web token could not be decoded',
  installation: 'Resource not accessible by integration',
  user: 'Resource not accessible by integration',
  pat: 'Resource not accessible by personal access token',
};

/**
 * Registers one REST route under `/api/v3`, given as GitHub's template (`GET /app/installations/{installation_id}`).
 * Every route gets the same treatment: a request counter, fault injection, authentication with the kinds of
 * credential GitHub accepts there, primary and secondary rate limits, and rate-limit headers.
 */
export function defineRoute(api: Hono, ctx: SimContext, template: string, auth: RouteAuth, handler: Handler) {
  const [method, path] = template.split(' ') as [string, string];
  const honoPath = path.replace(/\{(\w+)\}/g, ':$1').replace(':path', ':path{.+}');
  api.on(method, honoPath, async (c) => {
    ctx.requestCounts.set(template, (ctx.requestCounts.get(template) ?? 0) + 1);
    if (auth === 'none')
      return withFault(c, ctx, template, () => handler(c, undefined as unknown as Principal));
    const credential = credentialOf(c.req.header('authorization'));
    if (!credential) throw new SimHttpError(401, 'Requires authentication');
    const principal = resolvePrincipal(ctx, credential);
    if (!auth.includes(principal.kind)) {
      // A JWT-only route answers 401 to any other credential; the others refuse with 403.
      const jwtOnly = auth.length === 1 && auth[0] === 'app';
      throw new SimHttpError(
        jwtOnly ? 401 : 403,
        wrongCredentialMessage[jwtOnly ? 'app' : principal.kind] ?? 'Forbidden',
      );
    }
    const bucket = rateBucket(ctx, principal);
    const headers = ctx.limits.consume(bucket.key, bucket.limit, bucket.what);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    const leave = ctx.limits.enter(bucket.key);
    try {
      return await withFault(c, ctx, template, () => handler(c, principal));
    } finally {
      leave();
    }
  });
}

/** Injected latency counts as time in flight (secondary limits see it), like a slow GitHub would. */
async function withFault(
  c: Context,
  ctx: SimContext,
  template: string,
  run: () => Response | Promise<Response>,
) {
  const fault = ctx.faults.take(template);
  if (fault?.latencyMs) await sleep(fault.latencyMs);
  if (fault?.hang) await new Promise(() => {});
  if (fault?.status) {
    return c.json(
      (fault.body ?? { message: 'Simulated fault' }) as object,
      fault.status as 500,
      fault.headers ?? {},
    );
  }
  return run();
}
