import type { Context } from 'hono';
import type { SimContext } from './context.js';

const routes = new WeakMap<Request, { route: string; as: string }>();

/** The route that is answering this request, and the kind of credential it came with (for the record). */
export function noteRoute(c: Context, route: string, as: string) {
  routes.set(c.req.raw, { route, as });
}

/** Records the answer to a REST request when the simulator records (`record: true`); after every header is set. */
export async function recordExchange(ctx: SimContext, c: Context) {
  if (!ctx.exchanges) return;
  const noted = routes.get(c.req.raw);
  if (!noted) return;
  // Read the body and answer a copy: cloning @hono/node-server's lightweight response would send the client one
  // made from its first init, without the headers set since.
  const status = c.res.status;
  const headers = Object.fromEntries(c.res.headers);
  let body: unknown = null;
  if (headers['content-type']?.startsWith('application/json')) {
    const text = await c.res.text();
    c.res = new Response(text, { status, headers });
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  ctx.exchanges.push({
    route: noted.route,
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    as: noted.as,
    status,
    body,
    headers,
  });
}
