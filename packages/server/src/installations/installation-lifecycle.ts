import type { AppRegistry } from '../apps/app-registry.js';
import type { GitHubInstallationInfo } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logger.js';
import { AuditStore } from '../stores/audit-store.js';
import { type InstallationRef, type InstallationRow, InstallationStore } from '../stores/installation-store.js';
import { KnownInstallationStore } from '../stores/known-installation-store.js';
import { RepoStore } from '../stores/repo-store.js';
import { inTransaction } from '../stores/transaction.js';

export type Actor = { organizationId: string | null; actor: string };

/**
 * Every state change of an installation and of its tenant's repositories, in one place: connect, webhooks,
 * reconnect and reconcile call these, so the same change means the same thing from all four. Each change and its
 * audit row are written in one transaction; tokens are revoked before a binding ends.
 */
export class InstallationLifecycle {
  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  private stores(db: Database) {
    return {
      installations: new InstallationStore(db),
      known: new KnownInstallationStore(db),
      repos: new RepoStore(db),
      audit: new AuditStore(db),
    };
  }

  /** Remembers an installation GitHub told us about (and who created it, from `installation.created`). */
  async noteKnown(appKey: string, info: GitHubInstallationInfo, sender?: { id: number; login: string } | null) {
    await this.stores(this.db).known.note({
      appKey,
      installationId: info.id,
      accountLogin: info.account.login,
      accountId: info.account.id,
      accountType: info.account.type,
      senderId: sender?.id ?? null,
      senderLogin: sender?.login ?? null,
      deletedAt: null,
    });
  }

  /**
   * Binds a proven installation to the tenant, replacing the tenant's earlier binding. Refused (409) when
   * another tenant holds it, also when two tenants race for it (the unique index decides, the loser gets 409).
   */
  async bind(
    by: Actor & { organizationId: string },
    appKey: string,
    info: GitHubInstallationInfo,
    extra: (tx: Database) => Promise<void> = async () => {},
  ): Promise<{ replaced: InstallationRow | null }> {
    const ref = { appKey, installationId: info.id };
    const replacedRows: InstallationRow[] = [];
    try {
      await inTransaction(this.db, async (tx) => {
        const s = this.stores(tx);
        const holder = await s.installations.liveByInstallation(ref);
        if (holder && holder.organizationId !== by.organizationId) throw alreadyConnected();
        const current = await s.installations.liveForTenant(by.organizationId);
        if (current && (current.installationId !== info.id || current.appKey !== appKey)) {
          const replaced = await s.installations.retire(current, 'replaced', this.now());
          if (replaced) replacedRows.push(replaced);
        }
        const details = detailsOf(info);
        if (holder) await s.installations.update(ref, details);
        else
          await s.installations.insert({
            organizationId: by.organizationId,
            appKey,
            installationId: info.id,
            connectedBy: by.actor,
            ...details,
            accountLogin: info.account.login,
            accountId: info.account.id,
            accountType: info.account.type,
            repositorySelection: info.repository_selection,
          });
        await extra(tx);
        await s.audit.record({
          ...by,
          action: 'github.connected',
          target: String(info.id),
          detail: { account: info.account.login, selection: info.repository_selection, appKey },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyConnected();
      throw error;
    }
    for (const row of replacedRows) await this.revokeTokens(row);
    return { replaced: replacedRows[0] ?? null };
  }

  /** Ends a binding (disconnect or uninstall): tokens revoked everywhere first, repositories kept for a reconnect. */
  async retire(row: InstallationRow, reason: 'disconnected' | 'uninstalled', by: Actor, detail: Record<string, unknown> = {}) {
    const revoked = await this.revokeTokens(row);
    await inTransaction(this.db, async (tx) => {
      const s = this.stores(tx);
      await s.installations.retire(row, reason, this.now());
      // Without a binding no token reaches them: unreachable until a reconnect restores (and verifies) access.
      await s.repos.markAllAccess(row.organizationId, 'missing', this.now());
      if (reason === 'uninstalled') await s.known.markDeleted(row, this.now());
      await s.audit.record({
        ...by,
        organizationId: row.organizationId,
        action: reason === 'uninstalled' ? 'github.uninstalled' : 'github.disconnected',
        target: String(row.installationId),
        detail: { revokedTokens: revoked.revoked, failedRevocations: revoked.failed, ...detail },
      });
    });
    return revoked;
  }

  /** GitHub says the installation is gone: the binding (if any) ends, the sighting is marked deleted. */
  async uninstalled(ref: InstallationRef, by: Actor) {
    const row = await this.stores(this.db).installations.liveByInstallation(ref);
    await this.stores(this.db).known.markDeleted(ref, this.now());
    if (row) await this.retire(row, 'uninstalled', by);
    return row ?? null;
  }

  async suspended(row: InstallationRow, suspendedAt: Date | null, by: Actor) {
    if (suspendedAt) await this.revokeTokens(row);
    await inTransaction(this.db, async (tx) => {
      const s = this.stores(tx);
      await s.installations.update(row, { suspendedAt });
      await s.audit.record({
        ...by,
        organizationId: row.organizationId,
        action: suspendedAt ? 'github.suspended' : 'github.unsuspended',
        target: String(row.installationId),
      });
    });
  }

  /** Selection, permissions, account login: whatever GitHub now reports, recorded when it differs. */
  async refreshDetails(row: InstallationRow, info: GitHubInstallationInfo, by: Actor) {
    const details = detailsOf(info);
    const changed = Object.entries(details).filter(
      ([k, v]) => JSON.stringify((row as Record<string, unknown>)[k]) !== JSON.stringify(v),
    );
    await inTransaction(this.db, async (tx) => {
      const s = this.stores(tx);
      await s.installations.update(row, { ...details, checkedAt: this.now() });
      if (details.accountLogin !== row.accountLogin) await s.known.rename(row, info.account.login);
      if (changed.length > 0)
        await s.audit.record({
          ...by,
          organizationId: row.organizationId,
          action: 'github.installation_updated',
          target: String(row.installationId),
          detail: { changed: changed.map(([k]) => k) },
        });
    });
    return changed.map(([k]) => k);
  }

  async renamedAccount(ref: InstallationRef, login: string, by: Actor) {
    const s = this.stores(this.db);
    await s.known.rename(ref, login);
    const row = await s.installations.liveByInstallation(ref);
    if (!row) return false;
    await s.installations.update(ref, { accountLogin: login });
    await s.audit.record({ ...by, organizationId: row.organizationId, action: 'github.account_renamed', target: String(row.installationId), detail: { login } });
    return true;
  }

  async selectionChanged(row: InstallationRow, selection: 'all' | 'selected', added: number[], removed: number[]) {
    await inTransaction(this.db, async (tx) => {
      const s = this.stores(tx);
      await s.installations.update(row, { repositorySelection: selection });
      await s.repos.markAccess(row.organizationId, added, 'reachable', this.now());
      await s.repos.markAccess(row.organizationId, removed, 'missing', this.now());
    });
  }

  async repositoryRenamed(row: InstallationRow, githubRepoId: number, fullName: string, ownerId: number | null) {
    // A repository transferred out of the connected account is `moved`: its tokens no longer reach it.
    const moved = ownerId !== null && ownerId !== row.accountId;
    await this.stores(this.db).repos.rename(row.organizationId, githubRepoId, fullName, moved ? 'moved' : undefined);
  }

  /** Revokes every live token of the installation at GitHub and purges every cache tier. */
  private async revokeTokens(ref: InstallationRef): Promise<{ revoked: number; failed: number }> {
    const app = await this.apps.byKey(ref.appKey).catch(() => null);
    if (!app) return { revoked: 0, failed: 0 };
    try {
      const report = await app.tokens.revokeInstallation(ref.installationId);
      return { revoked: report.revoked, failed: report.failed.length };
    } catch (error) {
      this.logger.warn({ err: error, installationId: ref.installationId }, 'token revocation failed');
      return { revoked: 0, failed: 1 };
    }
  }
}

function detailsOf(info: GitHubInstallationInfo) {
  return {
    accountLogin: info.account.login,
    accountId: info.account.id,
    accountType: info.account.type,
    repositorySelection: info.repository_selection,
    permissions: info.permissions ?? {},
    suspendedAt: info.suspended_at ? new Date(info.suspended_at) : null,
    installedAt: info.created_at ? new Date(info.created_at) : null,
  };
}

function alreadyConnected() {
  return new AppError('conflict', 'This GitHub installation is already connected to another organization.');
}

/** PostgreSQL's unique_violation (23505), through Drizzle's wrapping; PGlite reports the same code. */
function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++)
    if (e.code === '23505') return true;
  return false;
}
