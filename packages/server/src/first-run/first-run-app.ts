import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { appManifest, autoPostPage, convertManifestCode, manifestPostUrl } from '../manifest/app-manifest.js';
import { apiUrlFor } from '../manifest/registered-settings.js';
import { donePage, type DonePage, type FormDefaults, firstRunForm, problemPage, registeredPage } from './first-run-pages.js';

/** A manifest code is good for an hour (GitHub's docs); a state waits as long. */
const stateLifetimeMs = 60 * 60 * 1000;
/** Only a token holder creates states; the cap only keeps a stuck loop from growing memory. */
const maxPendingStates = 50;
const cookieName = 'hubgate_first_run';

const startForm = z.object({
  token: z.string().max(200).default(''),
  webUrl: z.string().trim().url().max(300).refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http(s) URL'),
  organization: z
    .string()
    .trim()
    .regex(/^([A-Za-z0-9-]{1,39})?$/, 'must be an organization login')
    .transform((v) => v || undefined),
  name: z.string().trim().min(1).max(34),
  output: z.enum(['file', 'env']),
});

export type Output = 'file' | 'env';

export interface FirstRunAppOptions {
  /** the setup token the operator holds */
  token: string;
  /** where hubgate is reached: the manifest's URLs derive from it */
  url: string;
  form: FormDefaults;
  fetch: typeof fetch;
  /** the clock the registration states expire by (epoch ms; default the system's) */
  now?: () => number;
  /** the converted app, written where the operator chose; answers what the done page says */
  finish(converted: Awaited<ReturnType<typeof convertManifestCode>>, where: { apiUrl: string; webUrl: string; output: Output }): Promise<DonePage>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The first-run routes (no app configured, sandbox off). The form needs the setup token; a started registration
 * is bound to the browser that presented it (a cookie whose hash the state keeps), and its state is spent on
 * the first return, so a code seen elsewhere or replayed registers nothing.
 */
export function firstRunApp(options: FirstRunAppOptions) {
  const pending = new Map<string, { browser: Buffer; apiUrl: string; webUrl: string; output: Output; expiresAt: number }>();
  let registered = false;
  const clock = options.now ?? Date.now;
  const tokenDigest = digest(options.token);
  const secure = options.url.startsWith('https:');
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
    if (!c.res.headers.has('content-security-policy'))
      c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  });
  app.get('/healthz', (c) => c.json({ ok: true, firstRun: true }));
  app.get('/readyz', (c) => c.json({ ready: false, problem: 'no GitHub App configured: register one at /first-run' }, 503));
  app.get('/first-run', (c) => c.html(registered ? registeredPage() : firstRunForm(options.form)));

  // The form is five short fields; a larger body is refused before it is parsed (the page is public until registered).
  const smallForm = bodyLimit({
    maxSize: 16 * 1024,
    onError: (c) => c.html(problemPage('That form is too large', 'The form is larger than 16 KB; refused.'), 413),
  });
  app.post('/first-run', smallForm, async (c) => {
    if (registered) return c.html(registeredPage(), 409);
    const parsed = startForm.safeParse(await c.req.parseBody());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return c.html(firstRunForm(options.form, `${issue.path.join('.')}: ${issue.message}`), 400);
    }
    const form = parsed.data;
    // Compared as digests: equal lengths for timingSafeEqual, and no timing hint about the token.
    if (!timingSafeEqual(digest(form.token), tokenDigest))
      return c.html(firstRunForm(options.form, 'That is not the setup token (see where this page says it is).'), 403);
    const webUrl = form.webUrl.replace(/\/+$/, '');
    const state = randomBytes(24).toString('base64url');
    const browser = randomBytes(24).toString('base64url');
    const now = clock();
    for (const [key, entry] of pending) if (entry.expiresAt <= now) pending.delete(key);
    while (pending.size >= maxPendingStates) pending.delete(pending.keys().next().value!);
    pending.set(state, { browser: digest(browser), apiUrl: apiUrlFor(webUrl), webUrl, output: form.output, expiresAt: now + stateLifetimeMs });
    // Lax: GitHub's return is a top-level GET navigation from its site, which Lax cookies accompany.
    setCookie(c, cookieName, browser, { httpOnly: true, sameSite: 'Lax', secure, path: '/first-run', maxAge: stateLifetimeMs / 1000 });
    const manifest = appManifest({ name: form.name, publicUrl: options.url, webhookPath: '/webhooks/github', redirectUrl: `${options.url}/first-run/callback` });
    const nonce = randomBytes(16).toString('base64');
    c.header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; frame-ancestors 'none'`);
    return c.html(autoPostPage(manifestPostUrl(webUrl, form.organization), manifest, state, nonce));
  });

  app.get('/first-run/callback', async (c) => {
    if (registered) return c.html(registeredPage(), 409);
    const state = c.req.query('state') ?? '';
    const entry = pending.get(state);
    if (!entry || entry.expiresAt <= clock())
      return c.html(problemPage('Registration not found', 'This return from GitHub does not match a registration in progress (unknown, expired or already used).'), 400);
    const browser = getCookie(c, cookieName);
    if (!browser || !timingSafeEqual(digest(browser), entry.browser))
      return c.html(problemPage('Another browser', 'This registration was started in another browser; finish it there, or start again here.'), 403);
    pending.delete(state);
    let converted;
    try {
      converted = await convertManifestCode(entry.apiUrl, c.req.query('code') ?? '', options.fetch);
    } catch (error) {
      return c.html(problemPage('GitHub refused', (error as Error).message), 400);
    }
    // Two returns converted at once: the first one wins; the other app stays unused on GitHub (the page says so).
    if (registered) return c.html(problemPage('Already registered', `Another registration finished first; the app ${converted.slug} is not used and can be deleted on GitHub.`), 409);
    registered = true;
    pending.clear();
    return c.html(donePage(await options.finish(converted, entry)));
  });

  app.all('/api/*', (c) =>
    c.json({ error: { code: 'first_run', message: 'hubgate has no GitHub App yet: an operator registers one at /first-run.' } }, 503),
  );
  app.all('*', (c) => c.redirect('/first-run'));
  return app;
}
