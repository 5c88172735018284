import { AppError } from '../errors/app-error.js';
import { GitHubApp, type GitHubAppDeps } from './github-app.js';
import { guardedFetch, type OutboundPolicy } from './outbound-guard.js';
import type { GitHubAppSettings } from './github-app-settings.js';

/** Where apps other than the system app come from (tenant-provided apps, stored sealed in the database). */
export interface AppSource {
  /** the settings of the app with this key, or null when there is none */
  byKey(key: string): Promise<GitHubAppSettings | null>;
  /** the key of the tenant's own app, or null when the tenant uses the system app */
  keyForTenant(organizationId: string): Promise<string | null>;
}

/**
 * The one place that answers "which GitHub App": its credentials, token provider, URLs and webhook secrets, for
 * the system app, for a stored app key (an installation row, a webhook path) and for a tenant. Each app is built
 * once and kept (its token cache lives in it); `forget` drops a tenant app whose settings changed.
 */
export class AppRegistry {
  private readonly apps = new Map<string, GitHubApp>();
  private source: AppSource | null = null;

  /** what tenant apps are built with: every request to their host goes through the outbound guard */
  private readonly tenantDeps: GitHubAppDeps;

  constructor(
    systemSettings: GitHubAppSettings,
    private readonly deps: GitHubAppDeps,
    readonly outbound: OutboundPolicy = { allowedPrivateHosts: [] },
  ) {
    this.apps.set('system', new GitHubApp({ ...systemSettings, key: 'system' }, deps));
    this.tenantDeps = { ...deps, fetch: guardedFetch(outbound, deps.fetch), outbound };
  }

  /** A tenant app from settings not stored yet (validation before saving), with the same outbound guard. */
  build(settings: GitHubAppSettings): GitHubApp {
    return new GitHubApp(settings, this.tenantDeps);
  }

  get system(): GitHubApp {
    return this.apps.get('system')!;
  }

  /** Registers where tenant apps come from (done once, at start). */
  useSource(source: AppSource) {
    this.source = source;
  }

  async byKey(key: string): Promise<GitHubApp> {
    const known = this.apps.get(key);
    if (known) return known;
    const settings = this.source ? await this.source.byKey(key) : null;
    if (!settings) throw new AppError('not_found', 'No such GitHub App is registered here.');
    const app = new GitHubApp({ ...settings, key }, this.tenantDeps);
    this.apps.set(key, app);
    return app;
  }

  async forTenant(organizationId: string): Promise<GitHubApp> {
    const key = this.source ? await this.source.keyForTenant(organizationId) : null;
    return key ? this.byKey(key) : this.system;
  }

  forget(key: string) {
    if (key !== 'system') this.apps.delete(key);
  }

  /** every app built so far (metrics, shutdown) */
  all(): GitHubApp[] {
    return [...this.apps.values()];
  }
}
