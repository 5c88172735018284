import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { publicDir as builtDir } from '@hubgate/web/public-dir';
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

// The page's own origin only: the built UI has no inline script or style, and nothing may frame it.
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/**
 * The settings UI built by `packages/web` (Vite): `index.html` for every `/workspace/settings/*` path (the app
 * routes in the browser), hashed files under `/assets/` cached for good, and the favicon. Files are read when
 * asked for, so the service still starts (and says what to do) when the UI has not been built.
 */
export function registerWebRoutes(app: Hono<AppEnv>, options: { publicDir?: string } = {}) {
  const root = options.publicDir ?? builtDir;
  let indexHtml: string | null = null;
  const page = (c: Context<AppEnv>) => {
    const file = join(root, 'index.html');
    if (indexHtml === null && existsSync(file)) indexHtml = readFileSync(file, 'utf8');
    if (indexHtml === null)
      return c.text('The settings UI is not built: run `npm run build -w @hubgate/web` (npm start does it).', 503);
    return c.html(indexHtml, 200, {
      'cache-control': 'no-cache',
      'content-security-policy': contentSecurityPolicy,
    });
  };

  app.get('/', (c) => c.redirect('/workspace/settings/repos'));
  app.get('/workspace/settings', (c) => c.redirect('/workspace/settings/repos'));
  app.get('/workspace/settings/*', page);
  app.get(
    '/assets/*',
    serveStatic({
      root,
      onFound: (path, c) => {
        // Vite names built files by their content hash (index-C6i_t2UH.js): they never change under one name.
        const hashed = /-[\w-]{8,}\.\w+$/.test(path);
        c.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
    (c) => c.text('Not found', 404),
  );
  app.get('/favicon.svg', serveStatic({ path: join(root, 'favicon.svg') }));
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));
}
