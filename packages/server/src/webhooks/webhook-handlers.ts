import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { githubUserGrants, repos } from '../db/schema/index.js';
import type { GitHubAppService } from '../github/github-app-service.js';
import { InstallationStore } from '../github/installation-store.js';

// Webhook payloads are untrusted JSON: every field read below is checked where it is used.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Payload = Record<string, any>;
export type HandlerOutcome = 'applied' | 'ignored';

/** The state changes behind each event. Unknown events and installations we do not hold are ignored (recorded). */
export class WebhookHandlers {
  private readonly store: InstallationStore;

  constructor(
    private readonly db: Database,
    private readonly github: GitHubAppService,
  ) {
    this.store = new InstallationStore(db);
  }

  async handle(event: string, payload: Payload): Promise<HandlerOutcome> {
    switch (event) {
      case 'installation':
        return this.installation(payload);
      case 'installation_repositories':
        return this.installationRepositories(payload);
      case 'installation_target':
        return this.installationTarget(payload);
      case 'github_app_authorization':
        return this.appAuthorization(payload);
      case 'repository':
        return this.repository(payload);
      default:
        return 'ignored';
    }
  }

  private async bound(payload: Payload) {
    const id = Number(payload.installation?.id);
    if (!Number.isInteger(id)) return null;
    const row = await this.store.liveByInstallationId(id);
    return row ?? null;
  }

  private async installation(payload: Payload): Promise<HandlerOutcome> {
    const row = await this.bound(payload);
    if (!row) return 'ignored'; // e.g. created without state: claimable later by an admin, nothing bound yet
    const id = row.installationId;
    switch (payload.action) {
      case 'deleted':
        await this.github.tokens.revokeInstallation(id).catch(() => 0);
        await this.store.retire(id);
        await this.store.audit(row.organizationId, 'github', 'github.uninstalled', String(id));
        return 'applied';
      case 'suspend':
        await this.github.tokens.revokeInstallation(id).catch(() => 0);
        await this.store.update(id, {
          suspendedAt: new Date(payload.installation.suspended_at ?? Date.now()),
        });
        return 'applied';
      case 'unsuspend':
        await this.store.update(id, { suspendedAt: null });
        return 'applied';
      case 'new_permissions_accepted':
        await this.store.update(id, { permissions: payload.installation.permissions ?? {} });
        return 'applied';
      case 'created':
        await this.store.update(id, {
          repositorySelection: payload.installation.repository_selection,
          permissions: payload.installation.permissions ?? {},
        });
        return 'applied';
      default:
        return 'ignored';
    }
  }

  private async installationRepositories(payload: Payload): Promise<HandlerOutcome> {
    const row = await this.bound(payload);
    if (!row) return 'ignored';
    await this.store.update(row.installationId, {
      repositorySelection: payload.repository_selection ?? row.repositorySelection,
    });
    const ids = (list: unknown) =>
      Array.isArray(list) ? list.map((r) => Number(r?.id)).filter(Number.isInteger) : [];
    const added = ids(payload.repositories_added);
    const removed = ids(payload.repositories_removed);
    if (added.length) {
      await this.db
        .update(repos)
        .set({ accessState: 'reachable', updatedAt: new Date() })
        .where(and(eq(repos.organizationId, row.organizationId), inArray(repos.githubRepoId, added)));
    }
    if (removed.length) {
      await this.db
        .update(repos)
        .set({ accessState: 'missing_from_installation', updatedAt: new Date() })
        .where(and(eq(repos.organizationId, row.organizationId), inArray(repos.githubRepoId, removed)));
    }
    return 'applied';
  }

  private async installationTarget(payload: Payload): Promise<HandlerOutcome> {
    const row = await this.bound(payload);
    if (!row || payload.action !== 'renamed' || typeof payload.account?.login !== 'string') return 'ignored';
    await this.store.update(row.installationId, { accountLogin: payload.account.login });
    return 'applied';
  }

  private async appAuthorization(payload: Payload): Promise<HandlerOutcome> {
    if (payload.action !== 'revoked' || !Number.isInteger(payload.sender?.id)) return 'ignored';
    // The user's tokens now answer 401: drop the grant rather than keep dead secrets.
    const deleted = await this.db
      .delete(githubUserGrants)
      .where(eq(githubUserGrants.githubUserId, payload.sender.id))
      .returning({ id: githubUserGrants.id });
    return deleted.length > 0 ? 'applied' : 'ignored';
  }

  private async repository(payload: Payload): Promise<HandlerOutcome> {
    const row = await this.bound(payload);
    const repoId = Number(payload.repository?.id);
    if (!row || !Number.isInteger(repoId)) return 'ignored';
    if (payload.action === 'renamed' || payload.action === 'transferred') {
      await this.db
        .update(repos)
        .set({ fullName: payload.repository.full_name, updatedAt: new Date() })
        .where(and(eq(repos.organizationId, row.organizationId), eq(repos.githubRepoId, repoId)));
      return 'applied';
    }
    return 'ignored';
  }
}
