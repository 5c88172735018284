import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ConnectFlow } from '../github/connect-flow.js';
import { type AppEnv, requireCsrf, requireSession } from '../http-context.js';

const disconnectBody = z.object({ uninstall: z.boolean().default(false) }).strict();
const claimBody = z.object({ installationId: z.number().int().positive() }).strict();

async function jsonBody<T>(raw: string, schema: z.ZodType<T>): Promise<T> {
  let value: unknown = {};
  if (raw.trim() !== '') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new AppError('bad_request', 'The request body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new AppError(
      'bad_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/** GitHub sent the browser back before it signed in here: sign in, then come back to the same URL. */
function signInFirst(c: Context<AppEnv>) {
  const url = new URL(c.req.url);
  return c.redirect(`/auth/login?return_to=${encodeURIComponent(url.pathname + url.search)}`);
}

export function registerGitHubRoutes(
  app: Hono<AppEnv>,
  deps: { flow: () => ConnectFlow; publicUrl: string },
) {
  app.post('/api/github/connect', async (c) => {
    const session = requireSession(c);
    requireCsrf(c, session, deps.publicUrl);
    return c.json(await deps.flow().startConnect(session));
  });

  app.post('/api/github/claim', async (c) => {
    const session = requireSession(c);
    requireCsrf(c, session, deps.publicUrl);
    const body = await jsonBody(await c.req.text(), claimBody);
    return c.json(await deps.flow().startClaim(session, body.installationId));
  });

  app.get('/api/github/connection', async (c) => c.json(await deps.flow().connection(requireSession(c))));

  app.post('/api/github/disconnect', async (c) => {
    const session = requireSession(c);
    requireCsrf(c, session, deps.publicUrl);
    const body = await jsonBody(await c.req.text(), disconnectBody);
    return c.json(await deps.flow().disconnect(session, body));
  });

  app.get('/github/setup', async (c) => {
    const session = c.get('session');
    if (!session) return signInFirst(c);
    return c.redirect((await deps.flow().handleSetup(session, c.req.query())).redirect);
  });

  app.get('/github/callback', async (c) => {
    const session = c.get('session');
    if (!session) return signInFirst(c);
    return c.redirect((await deps.flow().handleCallback(session, c.req.query())).redirect);
  });
}
