// The floor of the HTTP rows: hono on @hono/node-server, nothing else, in plain JavaScript (no TypeScript
// loader): `/healthz` answers like hubgate's, and `/webhooks/github` does the least any receiver must do
// (read the body, check its HMAC in constant time, answer 202).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const secret = process.env.BARE_WEBHOOK_SECRET ?? '';
const app = new Hono();
app.get('/healthz', (c) => c.json({ ok: true }));
app.post('/webhooks/github', async (c) => {
  const body = await c.req.text();
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(c.req.header('x-hub-signature-256') ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return c.json({ error: 'bad signature' }, 401);
  return c.json({ received: true }, 202);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
