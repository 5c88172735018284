import { createHash, createPublicKey } from 'node:crypto';
import { parsePrivateKey, webUrlFor } from '@hubgate/github-auth';
import type { AppRegistry } from '../apps/app-registry.js';
import { checkOutboundUrl, guardedFetch } from '../apps/outbound-guard.js';
import type { GitHubAppSettings } from '../apps/github-app-settings.js';
import { missingPermissions } from '../connect/connection-view.js';
import type { Database } from '../db/database.js';
import type { TenantApp, TenantAppAnswer } from '@hubgate/contract';
import { AppError } from '../errors/app-error.js';
import type { TenantUser } from '../identity/principal.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { AuditStore } from '../stores/audit-store.js';
import { GitHubAppStore } from '../stores/github-app-store.js';
import { InstallationStore } from '../stores/installation-store.js';
import { appManifest, convertManifestCode, manifestPostUrl } from '../manifest/app-manifest.js';
import { InstallStateStore } from '../stores/install-state-store.js';
import { parseTenantAppInput, type TenantAppInput } from './tenant-app-input.js';
import { sealedFieldOf, type TenantAppRow } from './tenant-app-source.js';

interface GitHubAppInfo {
  id: number;
  slug?: string;
  client_id?: string;
  permissions?: Record<string, string>;
}

/**
 * A tenant's own GitHub App (each GitHub Enterprise Server host needs its own): checked against its host before it
 * is saved (the key signs a JWT the host accepts, `GET /app` answers with the same app, the permissions hubgate needs
 * are granted), sealed at rest, never returned (fingerprints only), served by the registry under its own key and
 * webhook URL.
 */
/**
 * The key (and so the webhook path) a tenant's app gets, known before it is registered: the admin sets the webhook
 * URL on the host first, then pastes the credentials here. Derived from the organization id, so it is stable; it is
 * no secret (deliveries are checked by the app's own webhook secret).
 */
export function tenantAppKey(organizationId: string): string {
  return `t${createHash('sha256').update(`hubgate tenant app ${organizationId}`).digest('hex').slice(0, 16)}`;
}

export class TenantAppService {
  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
    private readonly sealer: SecretSealer,
    private readonly publicUrl: string,
    private readonly now: () => Date,
    private readonly fetch: typeof globalThis.fetch,
  ) {}

  async get(organizationId: string): Promise<TenantAppAnswer> {
    const row = await new GitHubAppStore(this.db).ofTenant(organizationId);
    const key = row?.key ?? tenantAppKey(organizationId);
    return {
      app: row ? this.view(row) : null,
      // What the app on the tenant's host must be set up with, before it is registered here.
      setup: {
        callbackUrl: `${this.publicUrl}/github/callback`,
        setupUrl: `${this.publicUrl}/github/setup`,
        webhookUrl: `${this.publicUrl}/webhooks/github/${key}`,
      },
    };
  }

  async save(user: TenantUser, body: unknown, reservedKey?: string): Promise<{ app: TenantApp }> {
    const input = parseTenantAppInput(body);
    const existing = await new GitHubAppStore(this.db).ofTenant(user.organizationId);
    const key = existing?.key ?? reservedKey ?? tenantAppKey(user.organizationId);
    const settings: GitHubAppSettings = {
      key,
      organizationId: user.organizationId,
      appId: input.appId,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      slug: input.slug,
      privateKey: input.privateKey,
      issuerIsAppId: input.issuerIsAppId ?? false,
      webhookSecrets: [input.webhookSecret],
      apiUrl: input.apiUrl,
      webUrl: input.webUrl ?? webUrlFor(input.apiUrl),
    };
    const info = await this.validate(settings, input);
    const seal = (value: string | undefined, field: 'private_key' | 'client_secret' | 'webhook_secret') =>
      value ? this.sealer.seal(value, sealedFieldOf(key, field)).ciphertext : null;
    const values = {
      organizationId: user.organizationId,
      apiUrl: settings.apiUrl,
      webUrl: settings.webUrl,
      appId: info.id,
      clientId: info.client_id ?? input.clientId ?? null,
      slug: info.slug ?? input.slug ?? null,
      urlPattern: input.urlPattern ?? null,
      issuerIsAppId: settings.issuerIsAppId ? ('yes' as const) : ('no' as const),
      privateKey: seal(input.privateKey, 'private_key')!,
      clientSecret: seal(input.clientSecret, 'client_secret'),
      webhookSecret: seal(input.webhookSecret, 'webhook_secret')!,
      sealKeyId: this.sealer.keyId,
      keyFingerprint: keyFingerprint(input.privateKey),
      webhookSecretFingerprint: createHash('sha256').update(input.webhookSecret).digest('hex').slice(0, 12),
      permissions: info.permissions ?? {},
      validatedAt: this.now(),
    };
    const row = await new GitHubAppStore(this.db).save(key, values);
    this.apps.forget(key);
    await new AuditStore(this.db).record({
      organizationId: user.organizationId,
      actor: user.userId,
      action: existing ? 'github_app.replaced' : 'github_app.registered',
      target: key,
      detail: { apiUrl: settings.apiUrl, appId: info.id, keyFingerprint: values.keyFingerprint },
    });
    return { app: this.view(row!) };
  }

  /**
   * One-click registration on the tenant's GHES host: the manifest (its webhook URL is the tenant app's own, under a
   * key reserved now) and where the browser posts it; GitHub sends the browser back to `/github/app-manifest`.
   */
  async startManifest(user: TenantUser, body: { webUrl: string; apiUrl?: string; organization?: string }) {
    const webUrl = body.webUrl.replace(/\/+$/, '');
    const apiUrl = (body.apiUrl ?? `${webUrl}/api/v3`).replace(/\/+$/, '');
    await checkOutboundUrl(new URL(apiUrl), this.apps.outbound);
    const existing = await new GitHubAppStore(this.db).ofTenant(user.organizationId);
    const key = existing?.key ?? tenantAppKey(user.organizationId);
    const state = await new InstallStateStore(this.db, this.now).issue(
      { organizationId: user.organizationId, userId: user.userId, sessionHash: user.sessionHash },
      'manifest',
      { appKey: key, apiUrl, webUrl },
    );
    const manifest = appManifest({
      name: `hubgate ${user.organizationName ?? user.organizationId}`.slice(0, 34),
      publicUrl: this.publicUrl,
      webhookPath: `/webhooks/github/${key}`,
      redirectUrl: `${this.publicUrl}/github/app-manifest`,
    });
    return { postUrl: manifestPostUrl(webUrl, body.organization), manifest, state };
  }

  /** GitHub's return from the manifest flow: the code converted on the tenant's host, the app checked and saved. */
  async finishManifest(user: TenantUser, query: { code?: string; state?: string }) {
    if (!query.code || !query.state) throw new AppError('bad_request', 'GitHub sent no code or state; start the registration again.');
    const states = new InstallStateStore(this.db, this.now);
    const owner = { organizationId: user.organizationId, userId: user.userId, sessionHash: user.sessionHash };
    const data = await states.check(owner, query.state, 'manifest');
    await states.spend(query.state, 'manifest');
    const app = await convertManifestCode(data.apiUrl!, query.code, guardedFetch(this.apps.outbound, this.fetch));
    const converted = {
      appId: app.id,
      clientId: app.client_id,
      clientSecret: app.client_secret,
      slug: app.slug,
      privateKey: app.pem,
      apiUrl: data.apiUrl,
      webUrl: data.webUrl,
      webhookSecret: app.webhook_secret,
    };
    // A host that knows apps by id only (GHES 3.12/3.13) is detected by the check and used that way.
    return this.save(user, converted, data.appKey).catch((error) => {
      if (error instanceof AppError && error.details.field === 'issuerIsAppId')
        return this.save(user, { ...converted, issuerIsAppId: true }, data.appKey);
      throw error;
    });
  }

  async remove(user: TenantUser) {
    const row = await new GitHubAppStore(this.db).ofTenant(user.organizationId);
    if (!row) throw new AppError('not_found', 'No GitHub App of your own is registered.');
    const binding = await new InstallationStore(this.db).liveForTenant(user.organizationId);
    if (binding?.appKey === row.key) throw new AppError('conflict', 'Disconnect GitHub first: the connection uses this app.');
    await new GitHubAppStore(this.db).remove(row.key);
    this.apps.forget(row.key);
    await new AuditStore(this.db).record({ organizationId: user.organizationId, actor: user.userId, action: 'github_app.removed', target: row.key });
    return { removed: true as const };
  }

  /** Each problem named, nothing stored: a key of another app, an issuer the host refuses, a missing permission. */
  private async validate(settings: GitHubAppSettings, input: TenantAppInput): Promise<GitHubAppInfo> {
    try {
      parsePrivateKey(input.privateKey);
    } catch (error) {
      throw new AppError('unprocessable', `privateKey: ${(error as Error).message}`, { details: { field: 'privateKey' } });
    }
    let info: GitHubAppInfo;
    try {
      info = (await this.apps.build(settings).asApp<GitHubAppInfo>('GET /app')).data;
    } catch (error) {
      if (error instanceof AppError) throw error;
      // GHES 3.12 and 3.13 know apps by id only: when the same key works with the app id as issuer, say so.
      if (!settings.issuerIsAppId && settings.appId && settings.clientId) {
        const byId = await this.apps.build({ ...settings, issuerIsAppId: true }).asApp('GET /app').then(
          () => true,
          () => false,
        );
        if (byId)
          throw new AppError(
            'unprocessable',
            'The host refused the client id as JWT issuer: GHES 3.12 and 3.13 want the app id as issuer (set issuerIsAppId).',
            { details: { field: 'issuerIsAppId' } },
          );
      }
      throw this.explain(error);
    }
    if ((input.appId && info.id !== input.appId) || (input.clientId && info.client_id && info.client_id !== input.clientId))
      throw new AppError('unprocessable', 'The key belongs to another app than the app id or client id given.', { details: { field: 'privateKey' } });
    const missing = missingPermissions(info.permissions ?? {});
    if (missing.length > 0)
      throw new AppError('unprocessable', `The app lacks permissions hubgate needs: ${missing.map((m) => `no ${m}`).join(', ')}.`, {
        details: { field: 'permissions' },
      });
    return info;
  }

  private explain(error: unknown): AppError {
    const e = error as { status?: number; message?: string; cause?: unknown };
    const message = e.message ?? '';
    if (e.status === 401 && /could not be decoded/i.test(message))
      return new AppError('unprocessable', 'The key belongs to another app (GitHub could not decode the JWT with this app\'s keys).', { details: { field: 'privateKey' } });
    if (e.status === 401 || e.status === 404)
      return new AppError('unprocessable', `The host refused the app's credentials (HTTP ${e.status}): check the app id or client id and the key.`, {
        details: { field: 'clientId' },
      });
    // The outbound guard's refusal reaches here wrapped by Octokit's request error: it is the answer as it stands.
    if (e.cause instanceof AppError) return e.cause;
    const cause = e.cause as { message?: string } | undefined;
    return new AppError('unprocessable', `The GitHub host did not answer (${cause?.message ?? message}).`, { details: { field: 'apiUrl' } });
  }

  private view(row: TenantAppRow): TenantApp {
    return {
      key: row.key,
      apiUrl: row.apiUrl,
      webUrl: row.webUrl,
      appId: row.appId,
      clientId: row.clientId,
      slug: row.slug,
      urlPattern: row.urlPattern,
      issuerIsAppId: row.issuerIsAppId === 'yes',
      keyFingerprint: row.keyFingerprint,
      webhookSecretFingerprint: row.webhookSecretFingerprint,
      webhookUrl: `${this.publicUrl}/webhooks/github/${row.key}`,
      validatedAt: row.validatedAt?.toISOString() ?? null,
      problems: missingPermissions(row.permissions).map((m) => `no ${m}`),
    };
  }
}

/** SHA-256 of the public key (SPKI DER), as `ab:cd:...`: enough to tell keys apart, nothing to sign with. */
function keyFingerprint(privateKey: string): string {
  const der = createPublicKey(parsePrivateKey(privateKey)).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32).replace(/(..)(?!$)/g, '$1:');
}
