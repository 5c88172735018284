import { z } from 'zod';
import type { AppRegistry } from '../apps/app-registry.js';
import type { GitHubApp } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import type { DisconnectResult } from '@hubgate/contract';
import { AppError } from '../errors/app-error.js';
import type { TenantUser } from '../identity/principal.js';
import type { InstallationLifecycle } from '../installations/installation-lifecycle.js';
import type { RestoreAccess } from '../reconnect/restore-access.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { AuditStore } from '../stores/audit-store.js';
import { InstallStateStore, type StateOwner, type StatePurpose } from '../stores/install-state-store.js';
import { InstallationStore } from '../stores/installation-store.js';
import { KnownInstallationStore } from '../stores/known-installation-store.js';
import { UserGrantStore } from '../stores/user-grant-store.js';
import { proveInstallation } from './prove-installation.js';

const installationIdParam = z.string().regex(/^\d{1,15}$/, 'installation_id must be a number').transform(Number);
const setupQuery = z.object({
  installation_id: installationIdParam.optional(),
  setup_action: z.enum(['install', 'update', 'request']).optional(),
  state: z.string().max(300).optional(),
  code: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'code is malformed').optional(),
});

export type FlowOutcome = { redirect: string };

/** GitHub's trouble, not a refusal: the admin may try the same step again. */
const retryable = new Set(['github_unreachable', 'github_unavailable', 'rate_limited']);

/** Runs `work`, or answers "GitHub is not answering" once `ms` have passed (what is still in flight is dropped). */
async function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('github_unreachable', `GitHub is not answering, try again (no answer within ${Math.round(ms / 1000)} s).`)),
      ms,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function parseQuery(query: Record<string, string>) {
  const parsed = setupQuery.safeParse(query);
  if (!parsed.success) throw new AppError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

const ownerOf = (user: TenantUser): StateOwner => ({
  organizationId: user.organizationId,
  userId: user.userId,
  sessionHash: user.sessionHash,
});

/**
 * Connect and claim: start (a state bound to the admin's browser session), GitHub's redirects back (setup URL or
 * callback), proof of the installation, and binding through the lifecycle service.
 */
export class ConnectService {
  private readonly states: InstallStateStore;

  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
    private readonly lifecycle: InstallationLifecycle,
    private readonly sealer: SecretSealer,
    private readonly publicUrl: string,
    private readonly now: () => Date,
    private readonly restore: RestoreAccess,
    /** how long an admin may wait on GitHub in one step (8.9: about 15 s, then a clear answer) */
    private readonly deadlineMs = 15_000,
  ) {
    this.states = new InstallStateStore(db, now);
  }

  private get callbackUrl() {
    return `${this.publicUrl}/github/callback`;
  }

  async startConnect(user: TenantUser): Promise<{ installUrl: string }> {
    const app = await this.apps.forTenant(user.organizationId);
    const state = await this.states.issue(ownerOf(user), 'install', { appKey: app.key });
    await new AuditStore(this.db).record({ organizationId: user.organizationId, actor: user.userId, action: 'github.connect_started' });
    return { installUrl: app.urls.install(state) };
  }

  /** For an installation that arrived without state (an owner approved a member's request): prove and bind it. */
  async startClaim(user: TenantUser, installationId: number): Promise<{ authorizeUrl: string }> {
    const app = await this.apps.forTenant(user.organizationId);
    const state = await this.states.issue(ownerOf(user), 'oauth', { installationId, appKey: app.key });
    return { authorizeUrl: app.urls.authorize(app.settings.clientId!, state, this.callbackUrl) };
  }

  /** `GET /github/setup`: GitHub's redirect after an install (Setup URL set-up). */
  async handleSetup(user: TenantUser, query: Record<string, string>): Promise<FlowOutcome> {
    const q = parseQuery(query);
    if (!q.installation_id) throw new AppError('bad_request', 'GitHub sent no installation_id.');
    // No state: an owner approved a request, or "redirect on update". Nothing is bound on a query string alone;
    // the page shows what the server itself knows of (from webhooks), never this id.
    if (!q.state) return { redirect: '/workspace/settings/repos?notice=claim' };
    const data = await this.states.check(ownerOf(user), q.state, 'install');
    const app = await this.apps.byKey(data.appKey ?? 'system');
    if (q.code) return this.finish(user, app, q.installation_id, q.code, { state: q.state, purpose: 'install' });
    await this.states.spend(q.state, 'install');
    const oauthState = await this.states.issue(ownerOf(user), 'oauth', { installationId: q.installation_id, appKey: app.key });
    return { redirect: app.urls.authorize(app.settings.clientId!, oauthState, this.callbackUrl) };
  }

  /** `GET /github/callback`: our OAuth leg, or GitHub's "request user authorization during installation". */
  async handleCallback(user: TenantUser, query: Record<string, string>): Promise<FlowOutcome> {
    const q = parseQuery(query);
    if (!q.code) throw new AppError('bad_request', 'GitHub sent no authorization code; the authorization was not completed.');
    if (!q.state) throw new AppError('invalid_state', 'GitHub sent no state; start connecting again.');
    const state = q.state;
    if (await this.states.exists(state, 'oauth')) {
      const data = await this.states.check(ownerOf(user), state, 'oauth');
      if (!data.installationId) throw new AppError('invalid_state', 'This authorization is not tied to an installation; start again.');
      const app = await this.apps.byKey(data.appKey ?? 'system');
      return this.finish(user, app, data.installationId, q.code, { state, purpose: 'oauth' });
    }
    const data = await this.states.check(ownerOf(user), state, 'install');
    if (!q.installation_id) throw new AppError('bad_request', 'GitHub sent no installation_id.');
    const app = await this.apps.byKey(data.appKey ?? 'system');
    return this.finish(user, app, q.installation_id, q.code, { state, purpose: 'install' });
  }

  /**
   * The GitHub leg of a connection: exchange the code, prove the installation, then spend the state and bind.
   * The admin waits at most `deadlineMs` on GitHub (8.9); when GitHub is down or slow the state is not spent and
   * the error page's "Try again" link authorizes again with a live state, so the admin does not start over.
   */
  private async finish(
    user: TenantUser,
    app: GitHubApp,
    installationId: number,
    code: string,
    used: { state: string; purpose: StatePurpose },
  ): Promise<FlowOutcome> {
    let proven;
    try {
      proven = await withDeadline(this.deadlineMs, async () => {
        const tokens = await app.user.exchangeCode(code, this.callbackUrl);
        return proveInstallation(app, new KnownInstallationStore(this.db), installationId, tokens, 'bind', this.now());
      });
    } catch (error) {
      if (error instanceof AppError && retryable.has(error.code)) {
        // Our OAuth leg keeps its own state; GitHub's install redirect gets an OAuth state for the same installation.
        const state =
          used.purpose === 'oauth' ? used.state : await this.states.issue(ownerOf(user), 'oauth', { installationId, appKey: app.key });
        error.details.retryUrl = app.urls.authorize(app.settings.clientId!, state, this.callbackUrl);
      }
      if (error instanceof AppError && error.code === 'forbidden')
        await new AuditStore(this.db).record({
          organizationId: user.organizationId,
          actor: user.userId,
          action: 'github.connect_refused',
          target: String(installationId),
          detail: { reason: error.userMessage },
        });
      throw error;
    }
    await this.states.spend(used.state, used.purpose);
    await this.lifecycle.noteKnown(app.key, proven.info);
    const installations = new InstallationStore(this.db);
    const before = await installations.lastEndedForTenant(user.organizationId);
    await this.lifecycle.bind({ organizationId: user.organizationId, actor: user.userId }, app.key, proven.info, async (tx) => {
      await new UserGrantStore(tx, this.sealer).save(user.organizationId, user.userId, { ...proven.user, appKey: app.key }, proven.tokens);
    });
    // A reconnect (or any connect of a tenant with projects): restore access to its repositories, verified by listing.
    const binding = await installations.liveForTenant(user.organizationId);
    if (binding) await this.restore.start(binding, user.userId);
    return { redirect: before ? '/workspace/settings/repos?reconnected=1' : '/workspace/settings/repos?connected=1' };
  }

  /** Revokes tokens everywhere, retires the binding (repos kept), revokes the admins' grants, optionally uninstalls. */
  async disconnect(user: TenantUser, options: { uninstall: boolean }): Promise<DisconnectResult> {
    const row = await new InstallationStore(this.db).liveForTenant(user.organizationId);
    if (!row) throw new AppError('not_found', 'GitHub is not connected.');
    const app = await this.apps.byKey(row.appKey);
    const grants = new UserGrantStore(this.db, this.sealer);
    if (options.uninstall) {
      // Uninstalling acts on the tenant's GitHub account: it needs the same ownership proof as connecting.
      const grant = await grants.get(user.organizationId, user.userId);
      if (!grant?.accessToken) throw new AppError('forbidden', 'Reconnect first: your GitHub authorization is needed to uninstall the app.');
      await proveInstallation(
        app,
        new KnownInstallationStore(this.db),
        row.installationId,
        { accessToken: grant.accessToken, refreshToken: null, accessExpiresAt: null, refreshExpiresAt: null },
        'uninstall',
        this.now(),
      );
    }
    const revoked = await this.lifecycle.retire(row, 'disconnected', { organizationId: user.organizationId, actor: user.userId }, { uninstalled: options.uninstall });
    if (options.uninstall) await app.uninstall(row.installationId);
    for (const grant of await grants.forTenant(user.organizationId)) {
      if (grant.accessToken) await app.user.revokeGrant(grant.accessToken).catch(() => {});
      await grants.delete(user.organizationId, grant.row.userId);
    }
    return { disconnected: true as const, revokedTokens: revoked.revoked, uninstalled: options.uninstall };
  }
}
