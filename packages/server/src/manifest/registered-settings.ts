import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { ConvertedApp } from './app-manifest.js';

/** `https://github.com` -> `https://api.github.com`; `x.ghe.com` -> `api.x.ghe.com`; a GHES host -> `HOST/api/v3`. */
export function apiUrlFor(webUrl: string): string {
  const url = new URL(webUrl);
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  if (url.hostname === 'github.com') return 'https://api.github.com';
  if (url.hostname.endsWith('.ghe.com')) return `${url.protocol}//api.${url.host}`;
  return `${base}/api/v3`;
}

/**
 * The settings a converted manifest gives the service, under the names of its configuration. A secret key is
 * generated only when none is configured yet (a new one would make the sealed user grants unreadable).
 */
export function registeredSettings(
  app: ConvertedApp,
  where: { apiUrl: string; webUrl: string; publicUrl: string; haveSecretKey?: boolean; haveCacheKey?: boolean },
): Record<string, string> {
  return {
    GITHUB_APP_ID: String(app.id),
    GITHUB_APP_CLIENT_ID: app.client_id,
    GITHUB_APP_CLIENT_SECRET: app.client_secret,
    GITHUB_APP_SLUG: app.slug,
    GITHUB_APP_PRIVATE_KEY: app.pem,
    GITHUB_APP_WEBHOOK_SECRET: app.webhook_secret,
    GITHUB_API_URL: where.apiUrl,
    GITHUB_WEB_URL: where.webUrl,
    PUBLIC_URL: where.publicUrl,
    ...(where.haveSecretKey ? {} : { HUBGATE_SECRET_KEY: randomBytes(32).toString('hex') }),
    // Ready for REDIS_URL (tokens in Redis are sealed with it), so adding Redis later needs no new key.
    ...(where.haveCacheKey ? {} : { HUBGATE_CACHE_KEY: randomBytes(32).toString('hex') }),
  };
}

const generatedKeys = ['HUBGATE_SECRET_KEY', 'HUBGATE_CACHE_KEY'] as const;

/**
 * Adds the settings to a YAML configuration file (the operator's other settings in it are kept), mode 0600 from the
 * first byte: written to a new file beside it and renamed over it, so a crash never leaves half a key.
 */
export function writeSettingsFile(path: string, settings: Record<string, string>): void {
  let existing: Record<string, unknown> = {};
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const document = /\.json$/i.test(path) ? JSON.parse(text) : parse(text);
    if (document && typeof document === 'object' && !Array.isArray(document)) existing = document as Record<string, unknown>;
  }
  // A key generated here never replaces one already in the file: what it sealed would become unreadable.
  const merged = { ...existing, ...settings };
  for (const key of generatedKeys) if (typeof existing[key] === 'string' && existing[key]) merged[key] = existing[key];
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, /\.json$/i.test(path) ? `${JSON.stringify(merged, null, 2)}\n` : stringify(merged), { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}
