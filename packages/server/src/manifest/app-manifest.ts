import { requiredPermissions } from '../connect/connection-view.js';
import { AppError } from '../errors/app-error.js';

/** GitHub's app manifest (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest). */
export interface AppManifest {
  name: string;
  url: string;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  callback_urls: string[];
  setup_url: string;
  setup_on_update: boolean;
  public: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
}

/** Everything derived from where hubgate is reached: the install return, OAuth callback and webhook URLs. */
export function appManifest(options: { name: string; publicUrl: string; webhookPath: string; redirectUrl: string }): AppManifest {
  return {
    name: options.name,
    url: options.publicUrl,
    hook_attributes: { url: `${options.publicUrl}${options.webhookPath}`, active: true },
    redirect_url: options.redirectUrl,
    callback_urls: [`${options.publicUrl}/github/callback`],
    setup_url: `${options.publicUrl}/github/setup`,
    setup_on_update: true,
    public: false,
    default_permissions: { ...requiredPermissions },
    // installation, installation_repositories, installation_target and github_app_authorization reach every app;
    // push, create and delete (with contents) are the project repositories' events for the product (docs/events.md).
    default_events: ['repository', 'push', 'create', 'delete'],
  };
}

/** Where the browser posts the manifest: the user's account, or an organization (GHES: the same paths on its host). */
export function manifestPostUrl(webUrl: string, organization?: string): string {
  return organization
    ? `${webUrl}/organizations/${encodeURIComponent(organization)}/settings/apps/new`
    : `${webUrl}/settings/apps/new`;
}

export interface ConvertedApp {
  id: number;
  slug: string;
  client_id: string;
  client_secret: string;
  webhook_secret: string;
  pem: string;
  html_url?: string;
}

/** `POST /app-manifests/{code}/conversions` (no authentication; the code is single use, one hour). */
export async function convertManifestCode(apiUrl: string, code: string, fetchImpl: typeof fetch): Promise<ConvertedApp> {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(code)) throw new AppError('bad_request', 'GitHub sent a malformed manifest code.');
  const response = await fetchImpl(`${apiUrl}/app-manifests/${code}/conversions`, {
    method: 'POST',
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'hubgate' },
    signal: AbortSignal.timeout(15_000),
  });
  if (response.status !== 201) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new AppError('unprocessable', `GitHub refused the manifest code (HTTP ${response.status}${body.message ? `: ${body.message}` : ''}); start again.`);
  }
  return (await response.json()) as ConvertedApp;
}

/** A page that posts the manifest to GitHub as soon as it loads (GitHub wants a browser form POST). */
export function autoPostPage(postUrl: string, manifest: AppManifest, state: string, scriptNonce?: string): string {
  const esc = (v: string) => v.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>Register the GitHub App</title>
<form id="manifest" method="post" action="${esc(postUrl)}"><input type="hidden" name="manifest" value="${esc(JSON.stringify(manifest))}"><input type="hidden" name="state" value="${esc(state)}"><p>Sending the app's settings to GitHub...</p><button type="submit">Continue to GitHub</button></form>
<script${scriptNonce ? ` nonce="${esc(scriptNonce)}"` : ''}>document.getElementById('manifest').submit()</script>`;
}
