import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicDir } from '@hubgate/web/public-dir';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

const staticFiles: Record<string, string> = {
  '/assets/settings.css': 'text/css; charset=utf-8',
  '/assets/settings-repos.js': 'text/javascript; charset=utf-8',
};

/** The settings pages and their assets, read once at start. */
export function webRoutes() {
  const web = new Hono<AppEnv>();
  const page = readFileSync(join(publicDir, 'settings-repos.html'), 'utf8');
  web.get('/', (c) => c.redirect('/workspace/settings/repos'));
  web.get('/workspace/settings/repos', (c) => c.html(page));
  for (const [path, type] of Object.entries(staticFiles)) {
    const body = readFileSync(join(publicDir, path.replace('/assets/', '')), 'utf8');
    web.get(path, (c) => c.body(body, 200, { 'content-type': type, 'cache-control': 'no-cache' }));
  }
  return web;
}
