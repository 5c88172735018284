import type { AppSource } from '../apps/app-registry.js';
import type { GitHubAppSettings } from '../apps/github-app-settings.js';
import type { Database } from '../db/database.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { type GitHubAppRow, GitHubAppStore } from '../stores/github-app-store.js';

export type TenantAppRow = GitHubAppRow;

/** What each sealed field of a tenant app is bound to (associated data): a ciphertext only opens on its own row. */
export const sealedFieldOf = (key: string, field: 'private_key' | 'client_secret' | 'webhook_secret') => `app:${key}:${field}`;

/** Tenant-provided apps, from `github_apps`, unsealed when the registry first needs one. */
export class TenantAppSource implements AppSource {
  constructor(
    private readonly db: Database,
    private readonly sealer: SecretSealer,
  ) {}

  async byKey(key: string): Promise<GitHubAppSettings | null> {
    const row = await new GitHubAppStore(this.db).byKey(key);
    return row ? this.settingsOf(row) : null;
  }

  async keyForTenant(organizationId: string): Promise<string | null> {
    return (await new GitHubAppStore(this.db).ofTenant(organizationId))?.key ?? null;
  }

  settingsOf(row: TenantAppRow): GitHubAppSettings {
    const open = (ciphertext: string | null, field: 'private_key' | 'client_secret' | 'webhook_secret') =>
      ciphertext ? this.sealer.open({ ciphertext, keyId: row.sealKeyId }, sealedFieldOf(row.key, field)) : null;
    return {
      key: row.key,
      organizationId: row.organizationId,
      appId: row.appId ?? undefined,
      clientId: row.clientId ?? undefined,
      clientSecret: open(row.clientSecret, 'client_secret') ?? undefined,
      slug: row.slug ?? undefined,
      privateKey: open(row.privateKey, 'private_key') ?? undefined,
      issuerIsAppId: row.issuerIsAppId === 'yes',
      webhookSecrets: [open(row.webhookSecret, 'webhook_secret')].filter((s): s is string => Boolean(s)),
      apiUrl: row.apiUrl,
      webUrl: row.webUrl,
    };
  }
}
