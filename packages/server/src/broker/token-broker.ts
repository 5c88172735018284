import { GitHubAuthError } from '@hubgate/github-auth';
import type { z } from 'zod';
import type { AppRegistry } from '../apps/app-registry.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { AgentPrincipal } from '../identity/principal.js';
import { sha256 } from '../sealing/sha256.js';
import { AuditStore } from '../stores/audit-store.js';
import { InstallationStore } from '../stores/installation-store.js';
import { type RepoRow, RepoStore } from '../stores/repo-store.js';
import { agentPermissions, type agentPermissionsSchema } from './agent-permissions.js';
import { repositoryFullName } from './repository-name.js';

export const tokenIssuedAction = 'broker.token_issued';
export const tokenRevokedAction = 'broker.token_revoked';

export interface TokenRequest {
  repository: string;
  permissions?: z.infer<typeof agentPermissionsSchema>;
  minValidityMs?: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
  repository: { id: number; fullName: string };
}

/** One answer for "not a project of yours" and "no such repository": nothing about other tenants leaks. */
const notYourProject = () =>
  new AppError('not_found', 'That repository is not one of your organization’s projects (or does not exist).');

/**
 * Installation tokens for agents, by agent key instead of the app's private key. A token is scoped to one
 * repository (by its GitHub id, which survives renames) and to contents/metadata only, and is issued only when
 * the repository is one of the key's tenant's projects. Tokens come from the app's fleet-wide cache (one mint
 * per repository and permission set per token lifetime); every issuance is audited by the token's SHA-256.
 */
export class TokenBroker {
  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
  ) {}

  async issue(agent: AgentPrincipal, request: TokenRequest): Promise<IssuedToken> {
    const fullName = repositoryFullName(request.repository);
    // Both reads name the key's tenant; in parallel they cost one round trip of latency.
    const [project, installation] = await Promise.all([
      new RepoStore(this.db).byFullName(agent.organizationId, fullName),
      new InstallationStore(this.db).liveForTenant(agent.organizationId),
    ]);
    if (!project || project.githubRepoId === null || project.accessState === 'creating' || project.accessState === 'deleted')
      throw notYourProject();
    if (!installation || installation.appKey !== project.appKey)
      throw new AppError('invalid_state', 'Your organization has no GitHub connection for this project; an admin can connect it.');
    if (installation.suspendedAt)
      throw new AppError('suspended', 'The GitHub installation is suspended; an owner can unsuspend it on GitHub.');
    if (project.accountId !== null && project.accountId !== installation.accountId)
      throw new AppError('invalid_state', 'This project’s repository is in another GitHub account than the connected one.');

    const permissions = agentPermissions(request.permissions);
    const app = await this.apps.byKey(project.appKey);
    const tokenRequest = {
      installationId: installation.installationId,
      repositoryIds: [project.githubRepoId],
      permissions,
      minValidityMs: request.minValidityMs,
    };
    const audit = new AuditStore(this.db);
    let token = await this.mint(() => app.tokens.getToken(tokenRequest), project);
    // A token revoked through DELETE /tokens/current may still sit in another replica's process tier: never hand
    // it out again (the audit log is shared by every replica).
    if (await audit.tokenEvent(sha256(token.token), tokenRevokedAction)) {
      await app.tokens.invalidate({ token: token.token });
      token = await this.mint(() => app.tokens.getToken(tokenRequest), project);
    }
    const issued: IssuedToken = {
      token: token.token,
      expiresAt: new Date(token.expiresAt).toISOString(),
      repository: { id: project.githubRepoId, fullName: project.fullName ?? fullName },
    };
    await audit.record({
      organizationId: agent.organizationId,
      actor: `agent_key:${agent.keyId}`,
      action: tokenIssuedAction,
      target: `repo:${project.githubRepoId}`,
      detail: {
        tokenHash: sha256(token.token),
        keyId: agent.keyId,
        repository: issued.repository,
        permissions,
        expiresAt: issued.expiresAt,
        appKey: app.key,
        installationId: installation.installationId,
      },
    });
    return issued;
  }

  /**
   * Revokes at GitHub (`DELETE /installation/token`, authenticated by the token itself) a token this service
   * issued, and drops it from every cache tier; a token we did not issue is refused, so the route is no open
   * revocation proxy for any token someone holds.
   */
  async revoke(token: string): Promise<void> {
    const tokenHash = sha256(token);
    const audit = new AuditStore(this.db);
    const issued = await audit.tokenEvent(tokenHash, tokenIssuedAction);
    if (!issued) throw new AppError('unauthenticated', 'That is not a token this service issued.');
    const detail = issued.detail as { appKey?: string; repository?: unknown; keyId?: string };
    const app = await this.apps.byKey(detail.appKey ?? 'system');
    const revoked = await app.tokens.revokeToken(token);
    await app.tokens.invalidate({ token });
    if (!revoked) throw new AppError('github_unavailable', 'GitHub did not confirm the revocation; try again.');
    await audit.record({
      organizationId: issued.organizationId,
      actor: `token:${tokenHash.slice(0, 12)}`,
      action: tokenRevokedAction,
      target: issued.target,
      detail: { tokenHash, keyId: detail.keyId, repository: detail.repository },
    });
  }

  /** The library's mint, with GitHub's "that repository is not in the installation" said as such. */
  private async mint<T>(get: () => Promise<T>, project: RepoRow): Promise<T> {
    try {
      return await get();
    } catch (error) {
      if (error instanceof GitHubAuthError && error.status === 422)
        throw new AppError(
          'invalid_state',
          `The GitHub installation no longer reaches ${project.fullName ?? 'this project’s repository'} (removed from its selection, moved or deleted).`,
          { cause: error },
        );
      throw error;
    }
  }
}
