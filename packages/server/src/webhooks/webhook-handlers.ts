import type { AppRegistry } from '../apps/app-registry.js';
import type { Database } from '../db/database.js';
import type { InstallationLifecycle } from '../installations/installation-lifecycle.js';
import { listReachableFresh } from '../installations/list-reachable.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { InstallationStore } from '../stores/installation-store.js';
import { UserGrantStore } from '../stores/user-grant-store.js';
import {
  appAuthorizationPayload,
  installationPayload,
  installationRepositoriesPayload,
  installationTargetPayload,
  repositoryPayload,
} from './webhook-payloads.js';

export type HandlerOutcome = 'applied' | 'ignored';
type Handler = (appKey: string, payload: unknown) => Promise<HandlerOutcome>;
const actor = { organizationId: null, actor: 'github' };

/** A payload that lacks what the handler reads is recorded as ignored (GitHub sends shapes we do not use). */
function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, raw: unknown): T | null {
  const result = schema.safeParse(raw);
  return result.success ? result.data : null;
}

/**
 * The state change behind each `"event.action"` (octokit/webhooks.js' naming), through the lifecycle service.
 * Changes that would be harmful if replayed or late (suspend, unsuspend, deleted) are confirmed with GitHub
 * (`GET /app/installations/{id}`) and applied as GitHub says now, so a captured body posted again, or a late
 * `suspend` after an `unsuspend`, cannot leave hubgate in a state GitHub is not in.
 */
export class WebhookHandlers {
  private readonly handlers: Record<string, Handler>;

  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
    private readonly lifecycle: InstallationLifecycle,
    private readonly sealer: SecretSealer,
  ) {
    const confirm: Handler = (appKey, payload) => this.confirmWithGitHub(appKey, payload);
    this.handlers = {
      'installation.created': (appKey, payload) => this.created(appKey, payload),
      'installation.deleted': confirm,
      'installation.suspend': confirm,
      'installation.unsuspend': confirm,
      'installation.new_permissions_accepted': confirm,
      'installation_repositories.added': (appKey, payload) => this.repositories(appKey, payload),
      'installation_repositories.removed': (appKey, payload) => this.repositories(appKey, payload),
      'installation_target.renamed': (appKey, payload) => this.renamed(appKey, payload),
      'github_app_authorization.revoked': (appKey, payload) => this.revoked(appKey, payload),
      'repository.renamed': (appKey, payload) => this.repository(appKey, payload),
      'repository.transferred': (appKey, payload) => this.repository(appKey, payload),
    };
  }

  /** Unknown events and actions are ignored (and recorded as such). */
  handle(appKey: string, event: string, action: string | null, payload: unknown): Promise<HandlerOutcome> {
    const handler = this.handlers[`${event}.${action}`];
    return handler ? handler(appKey, payload) : Promise.resolve('ignored');
  }

  private async created(appKey: string, raw: unknown): Promise<HandlerOutcome> {
    const payload = parse(installationPayload, raw);
    if (!payload) return 'ignored';
    const account = payload.installation.account;
    if (!account) return 'ignored';
    // Remembered bound or not: its sender is one proof that a user administers the account (a claim later).
    await this.lifecycle.noteKnown(
      appKey,
      {
        id: payload.installation.id,
        account,
        repository_selection: payload.installation.repository_selection ?? 'selected',
        permissions: payload.installation.permissions ?? {},
        suspended_at: null,
      },
      payload.sender ?? null,
    );
    return 'applied';
  }

  private async confirmWithGitHub(appKey: string, raw: unknown): Promise<HandlerOutcome> {
    const payload = parse(installationPayload, raw);
    if (!payload) return 'ignored';
    const ref = { appKey, installationId: payload.installation.id };
    const app = await this.apps.byKey(appKey);
    const now = await app.installationOrNull(ref.installationId);
    if (!now) {
      const row = await this.lifecycle.uninstalled(ref, actor);
      return row ? 'applied' : 'ignored';
    }
    const row = await new InstallationStore(this.db).liveByInstallation(ref);
    if (!row) return 'ignored';
    const suspendedAt = now.suspended_at ? new Date(now.suspended_at) : null;
    if ((suspendedAt === null) !== (row.suspendedAt === null)) await this.lifecycle.suspended(row, suspendedAt, actor);
    await this.lifecycle.refreshDetails({ ...row, suspendedAt }, now, actor);
    return 'applied';
  }

  private async repositories(appKey: string, raw: unknown): Promise<HandlerOutcome> {
    const payload = parse(installationRepositoriesPayload, raw);
    if (!payload) return 'ignored';
    const row = await new InstallationStore(this.db).liveByInstallation({ appKey, installationId: payload.installation.id });
    if (!row) return 'ignored';
    // Applied as GitHub says now, not as the payload said then: a delivery redelivered or retried after newer
    // changes must not bring an old selection back, nor mark a repository missing that was added again since.
    const app = await this.apps.byKey(appKey);
    const now = await app.installationOrNull(row.installationId);
    if (!now) return (await this.lifecycle.uninstalled(row, actor)) ? 'applied' : 'ignored';
    const reachable = await listReachableFresh(app, row.installationId);
    const named = [...payload.repositories_added, ...payload.repositories_removed].map((r) => r.id);
    await this.lifecycle.selectionChanged(
      row,
      now.repository_selection,
      named.filter((id) => reachable.has(id)),
      named.filter((id) => !reachable.has(id)),
    );
    return 'applied';
  }

  private async renamed(appKey: string, raw: unknown): Promise<HandlerOutcome> {
    const payload = parse(installationTargetPayload, raw);
    if (!payload) return 'ignored';
    const applied = await this.lifecycle.renamedAccount({ appKey, installationId: payload.installation.id }, payload.account.login, actor);
    return applied ? 'applied' : 'ignored';
  }

  private async revoked(appKey: string, raw: unknown): Promise<HandlerOutcome> {
    const payload = parse(appAuthorizationPayload, raw);
    if (!payload) return 'ignored';
    // The user's tokens now answer 401: drop the grant rather than keep dead secrets.
    const deleted = await new UserGrantStore(this.db, this.sealer).deleteForGitHubUser(appKey, payload.sender.id);
    return deleted > 0 ? 'applied' : 'ignored';
  }

  private async repository(appKey: string, raw: unknown): Promise<HandlerOutcome> {
    const payload = parse(repositoryPayload, raw);
    if (!payload) return 'ignored';
    const { id, full_name: fullName, owner } = payload.repository;
    const installations = new InstallationStore(this.db);
    const row = await installations.liveByInstallation({ appKey, installationId: payload.installation.id });
    if (row) await this.lifecycle.repositoryRenamed(row, id, fullName, owner.id);
    // A transfer is told to the installations that reach the repository now, in its new account; the tenant whose
    // account it left learns it here (its project becomes `moved`). Found by the account GitHub names as the old owner.
    const from = payload.changes?.owner?.from;
    const fromAccountId = from?.organization?.id ?? from?.user?.id;
    let left = false;
    if (payload.action === 'transferred' && fromAccountId !== undefined && fromAccountId !== owner.id) {
      for (const previous of await installations.liveForAccount(appKey, fromAccountId)) {
        if (previous.installationId === row?.installationId) continue;
        await this.lifecycle.repositoryRenamed(previous, id, fullName, owner.id);
        left = true;
      }
    }
    return row || left ? 'applied' : 'ignored';
  }
}
