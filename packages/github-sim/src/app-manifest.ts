import type { Permissions } from './model.js';

/** An app manifest, as the page `/settings/apps/new` receives it (only the fields the simulator uses). */
export interface AppManifest {
  name: string | null;
  url: string;
  description: string | null;
  hookUrl: string | null;
  hookActive: boolean;
  redirectUrl: string | null;
  callbackUrls: string[];
  setupUrl: string | null;
  setupOnUpdate: boolean;
  requestOAuthOnInstall: boolean;
  public: boolean;
  permissions: Permissions;
  events: string[];
}

const levels = new Set(['read', 'write', 'admin']);

const isUrl = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * Reads a manifest with the rules of https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 * (`url` required; `hook_attributes.url`, `redirect_url`, up to 10 `callback_urls`, `setup_url`,
 * `default_permissions`, `default_events`, ...). Returns the problem as a sentence when it is not valid.
 */
export function parseManifest(text: unknown): { ok: true; manifest: AppManifest } | { ok: false; problem: string } {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, problem: 'The manifest is missing.' };
  let raw: Record<string, unknown>;
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    raw = value;
  } catch {
    return { ok: false, problem: 'The manifest is not a JSON object.' };
  }
  if (!isUrl(raw.url)) return { ok: false, problem: 'Url is not a valid URL (the manifest needs "url").' };
  const hook = (raw.hook_attributes ?? {}) as Record<string, unknown>;
  if (hook.url !== undefined && !isUrl(hook.url))
    return { ok: false, problem: 'hook_attributes.url is not a valid URL.' };
  for (const key of ['redirect_url', 'setup_url'] as const) {
    if (raw[key] !== undefined && raw[key] !== null && !isUrl(raw[key]))
      return { ok: false, problem: `${key} is not a valid URL.` };
  }
  const callbacks = raw.callback_urls ?? [];
  if (!Array.isArray(callbacks) || callbacks.length > 10 || !callbacks.every(isUrl))
    return { ok: false, problem: 'callback_urls must be up to 10 valid URLs.' };
  const permissions = (raw.default_permissions ?? {}) as Record<string, unknown>;
  if (typeof permissions !== 'object' || Array.isArray(permissions))
    return { ok: false, problem: 'default_permissions must be an object.' };
  for (const [name, level] of Object.entries(permissions)) {
    if (typeof level !== 'string' || !levels.has(level))
      return { ok: false, problem: `default_permissions.${name} must be read, write or admin.` };
  }
  const events = raw.default_events ?? [];
  if (!Array.isArray(events) || !events.every((e) => typeof e === 'string'))
    return { ok: false, problem: 'default_events must be a list of event names.' };
  if (raw.name !== undefined && (typeof raw.name !== 'string' || raw.name.trim() === ''))
    return { ok: false, problem: 'name must be a non-empty string.' };
  const hasRepoPermission = Object.keys(permissions).some((p) => p !== 'members');
  return {
    ok: true,
    manifest: {
      name: (raw.name as string | undefined) ?? null,
      url: raw.url,
      description: typeof raw.description === 'string' ? raw.description : null,
      hookUrl: (hook.url as string | undefined) ?? null,
      hookActive: hook.active !== false,
      redirectUrl: (raw.redirect_url as string | undefined) ?? null,
      callbackUrls: callbacks as string[],
      setupUrl: (raw.setup_url as string | undefined) ?? null,
      setupOnUpdate: raw.setup_on_update === true,
      requestOAuthOnInstall: raw.request_oauth_on_install === true,
      public: raw.public === true,
      // GitHub adds Metadata: read to every app that asks for a repository permission.
      permissions: {
        ...(hasRepoPermission ? { metadata: 'read' } : {}),
        ...(permissions as Permissions),
      },
      events: events as string[],
    },
  };
}

/** GitHub's slug: the name in lower case, runs of other characters as one `-`. */
export const slugFor = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
