import type { TokenCipher } from '@hubgate/github-auth';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { githubInstallations, githubUserGrants } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import type { Session } from '../identity/sessions.js';
import type { GitHubAppService } from './github-app-service.js';
import { consumeState, issueState, stateExists } from './install-states.js';
import { InstallationStore } from './installation-store.js';

const installationIdParam = z
  .string()
  .regex(/^\d{1,15}$/, 'installation_id must be a number')
  .transform(Number);
const setupQuery = z.object({
  installation_id: installationIdParam.optional(),
  setup_action: z.enum(['install', 'update', 'request']).optional(),
  state: z.string().max(300).optional(),
  code: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'code is malformed')
    .optional(),
});

export type FlowOutcome = { redirect: string };

function requireAdmin(session: Session) {
  if (!session.organizationId) throw new AppError('forbidden', 'Your sign-in carries no organization.');
  if (!session.isAdmin)
    throw new AppError('forbidden', 'Only organization admins can change the GitHub connection.');
}

function parseQuery(query: Record<string, string>) {
  const parsed = setupQuery.safeParse(query);
  if (!parsed.success)
    throw new AppError('bad_request', parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/**
 * Connect, claim, verify and disconnect. An installation id from a redirect is never trusted by itself: the
 * installing user's own GitHub token must list it (`GET /user/installations`) before it is bound to a tenant.
 */
export class ConnectFlow {
  private readonly store: InstallationStore;

  constructor(
    private readonly db: Database,
    private readonly github: GitHubAppService,
    private readonly cipher: TokenCipher,
    private readonly publicUrl: string,
  ) {
    this.store = new InstallationStore(db);
  }

  private get callbackUrl() {
    return `${this.publicUrl}/github/callback`;
  }

  async startConnect(session: Session): Promise<{ installUrl: string }> {
    requireAdmin(session);
    const state = await issueState(this.db, session, 'install');
    await this.store.audit(session.organizationId, session.userId, 'github.connect_started', null);
    return { installUrl: this.github.installUrl(state) };
  }

  /** For an installation that arrived without state (an owner approved a member's request): prove and bind it. */
  async startClaim(session: Session, installationId: number): Promise<{ authorizeUrl: string }> {
    requireAdmin(session);
    const state = await issueState(this.db, session, 'oauth', { installationId });
    return { authorizeUrl: this.github.authorizeUrl(state, this.callbackUrl) };
  }

  /** `GET /github/setup`: GitHub's redirect after an install (Setup URL set-up). */
  async handleSetup(session: Session, query: Record<string, string>): Promise<FlowOutcome> {
    requireAdmin(session);
    const q = parseQuery(query);
    if (!q.installation_id) throw new AppError('bad_request', 'GitHub sent no installation_id.');
    if (!q.state) {
      // No state: an owner approved a request, or "redirect on update". Nothing is bound on a query string alone.
      return { redirect: `/workspace/settings/repos?notice=claim&installation_id=${q.installation_id}` };
    }
    await consumeState(this.db, session, q.state, 'install');
    if (q.code) return this.finish(session, q.installation_id, q.code);
    const oauthState = await issueState(this.db, session, 'oauth', { installationId: q.installation_id });
    return { redirect: this.github.authorizeUrl(oauthState, this.callbackUrl) };
  }

  /** `GET /github/callback`: our OAuth leg, or GitHub's "request user authorization during installation". */
  async handleCallback(session: Session, query: Record<string, string>): Promise<FlowOutcome> {
    requireAdmin(session);
    const q = parseQuery(query);
    if (!q.code)
      throw new AppError(
        'bad_request',
        'GitHub sent no authorization code; the authorization was not completed.',
      );
    if (!q.state) throw new AppError('invalid_state', 'GitHub sent no state; start connecting again.');
    if (await stateExists(this.db, q.state, 'oauth')) {
      const data = await consumeState(this.db, session, q.state, 'oauth');
      if (!data.installationId)
        throw new AppError(
          'invalid_state',
          'This authorization is not tied to an installation; start again.',
        );
      return this.finish(session, data.installationId, q.code);
    }
    await consumeState(this.db, session, q.state, 'install');
    if (!q.installation_id) throw new AppError('bad_request', 'GitHub sent no installation_id.');
    return this.finish(session, q.installation_id, q.code);
  }

  private async finish(session: Session, installationId: number, code: string): Promise<FlowOutcome> {
    const tokens = await this.github.exchangeCode(code, this.callbackUrl);
    const reachable = await this.github.userInstallationIds(tokens.accessToken);
    if (!reachable.has(installationId)) {
      await this.store.audit(
        session.organizationId,
        session.userId,
        'github.connect_refused',
        String(installationId),
        { reason: 'not reachable by the user' },
      );
      throw new AppError(
        'forbidden',
        `Installation ${installationId} is not one your GitHub account can reach, so it cannot be connected.`,
      );
    }
    const user = await this.github.currentUser(tokens.accessToken);
    const info = await this.github.installation(installationId);
    const orgId = session.organizationId!;
    const grant = {
      githubUserId: user.id,
      githubLogin: user.login,
      accessToken: this.cipher.encrypt(tokens.accessToken),
      refreshToken: tokens.refreshToken ? this.cipher.encrypt(tokens.refreshToken) : null,
      accessExpiresAt: tokens.accessExpiresAt,
      refreshExpiresAt: tokens.refreshExpiresAt,
    };
    await this.db.transaction(async (tx) => {
      const store = new InstallationStore(tx as unknown as Database);
      const holder = await store.liveByInstallationId(installationId);
      if (holder && holder.organizationId !== orgId) {
        throw new AppError(
          'conflict',
          'This GitHub installation is already connected to another organization.',
        );
      }
      const current = await store.liveForOrg(orgId);
      if (current && current.installationId !== installationId) await store.retire(current.installationId);
      const details = {
        accountLogin: info.account.login,
        accountId: info.account.id,
        accountType: info.account.type,
        repositorySelection: info.repository_selection,
        permissions: info.permissions,
        suspendedAt: info.suspended_at ? new Date(info.suspended_at) : null,
      };
      if (holder) await store.update(installationId, details);
      else
        await tx
          .insert(githubInstallations)
          .values({ organizationId: orgId, installationId, connectedBy: session.userId, ...details });
      await tx
        .insert(githubUserGrants)
        .values({ organizationId: orgId, userId: session.userId, ...grant })
        .onConflictDoUpdate({
          target: [githubUserGrants.organizationId, githubUserGrants.userId],
          set: { ...grant, updatedAt: new Date() },
        });
      await store.audit(orgId, session.userId, 'github.connected', String(installationId), {
        account: info.account.login,
        selection: info.repository_selection,
      });
    });
    return { redirect: '/workspace/settings/repos?connected=1' };
  }

  async connection(session: Session) {
    if (!session.organizationId) throw new AppError('forbidden', 'Your sign-in carries no organization.');
    const row = await this.store.liveForOrg(session.organizationId);
    if (!row) return { connected: false as const, canManage: session.isAdmin };
    return {
      connected: true as const,
      canManage: session.isAdmin,
      installationId: row.installationId,
      account: { login: row.accountLogin, type: row.accountType },
      installedAt: row.createdAt.toISOString(),
      suspended: row.suspendedAt !== null,
      suspendedAt: row.suspendedAt?.toISOString() ?? null,
      repositorySelection: row.repositorySelection,
      warning:
        row.repositorySelection === 'all'
          ? 'This installation can see every repository of the account. hubgate only asks for tokens scoped to the repositories it created, but "Only select repositories" is safer.'
          : null,
      manageUrl: this.github.manageUrl(
        { login: row.accountLogin, type: row.accountType },
        row.installationId,
      ),
    };
  }

  /** Revokes the cached tokens at GitHub, purges every tier, retires the binding (repos kept), optionally uninstalls. */
  async disconnect(session: Session, options: { uninstall: boolean }) {
    requireAdmin(session);
    const row = await this.store.liveForOrg(session.organizationId!);
    if (!row) throw new AppError('not_found', 'GitHub is not connected.');
    const revoked = await this.github.tokens.revokeInstallation(row.installationId);
    await this.store.retire(row.installationId);
    if (options.uninstall) await this.github.uninstall(row.installationId);
    await this.store.audit(
      session.organizationId,
      session.userId,
      'github.disconnected',
      String(row.installationId),
      { revokedTokens: revoked, uninstalled: options.uninstall },
    );
    return { disconnected: true, revokedTokens: revoked, uninstalled: options.uninstall };
  }
}
