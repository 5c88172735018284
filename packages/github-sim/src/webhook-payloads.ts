import { nodeIdFor } from './ids.js';
import type { SimAccount, SimApp, SimInstallation, SimRepo } from './model.js';
import {
  installation,
  organizationSimple,
  repository,
  type SimUrls,
  simpleUser,
  subscribableEvents,
  webhookRepositoryRef,
} from './payloads.js';
import type { SimStore } from './store.js';

/** Builds webhook payloads shaped like `@octokit/webhooks-examples`. */
export class WebhookPayloads {
  constructor(
    private readonly store: SimStore,
    private readonly urls: () => SimUrls,
  ) {}

  /**
   * The installation as webhooks carry it: the account is a plain user/organization (the REST description's
   * extra enterprise fields — name, slug, dates — are not in webhooks), and `events` lists only events the
   * app subscribes to (`installation` and `installation_repositories` are sent to every app and never listed).
   */
  private installationObject(app: SimApp, inst: SimInstallation) {
    const account = this.store.account(inst.accountId)!;
    const suspendedBy = inst.suspendedById ? (this.store.account(inst.suspendedById) ?? null) : null;
    return {
      ...installation(this.urls(), app, inst, account, suspendedBy),
      account: simpleUser(this.urls(), account),
      events: subscribableEvents(inst.events),
    };
  }

  private refs(repos: SimRepo[]) {
    return repos.map((repo) => webhookRepositoryRef(repo, this.store.account(repo.ownerId)!));
  }

  installation(
    action: string,
    app: SimApp,
    inst: SimInstallation,
    sender: SimAccount,
    requester?: SimAccount | null,
  ) {
    const payload: Record<string, unknown> = {
      action,
      installation: this.installationObject(app, inst),
      sender: simpleUser(this.urls(), sender),
    };
    if (action !== 'suspend' && action !== 'unsuspend')
      payload.repositories = this.refs(this.store.installationRepos(inst));
    if (requester !== undefined) payload.requester = requester ? simpleUser(this.urls(), requester) : null;
    return payload;
  }

  installationRepositories(
    action: 'added' | 'removed',
    app: SimApp,
    inst: SimInstallation,
    sender: SimAccount,
    added: SimRepo[],
    removed: SimRepo[],
  ) {
    return {
      action,
      installation: this.installationObject(app, inst),
      repository_selection: inst.selection,
      repositories_added: this.refs(added),
      repositories_removed: this.refs(removed),
      requester: null,
      sender: simpleUser(this.urls(), sender),
    };
  }

  installationTarget(
    app: SimApp,
    inst: SimInstallation,
    account: SimAccount,
    oldLogin: string,
    sender: SimAccount,
  ) {
    return {
      action: 'renamed',
      account: {
        ...simpleUser(this.urls(), account),
        ...(account.type === 'Organization' ? { description: null } : {}),
      },
      changes: { login: { from: oldLogin } },
      installation: { id: inst.id, node_id: nodeIdFor('I', inst.id) },
      sender: simpleUser(this.urls(), sender),
      target_type: account.type,
    };
  }

  appAuthorizationRevoked(user: SimAccount) {
    return { action: 'revoked', sender: simpleUser(this.urls(), user) };
  }

  repository(
    action: string,
    inst: SimInstallation,
    repo: SimRepo,
    sender: SimAccount,
    changes?: Record<string, unknown>,
  ) {
    const owner = this.store.account(repo.ownerId)!;
    const payload: Record<string, unknown> = {
      action,
      // Webhooks carry the repository's custom properties (none set in the simulator).
      repository: { ...repository(this.urls(), repo, owner), custom_properties: {} },
      sender: simpleUser(this.urls(), sender),
      installation: { id: inst.id, node_id: nodeIdFor('I', inst.id) },
    };
    if (owner.type === 'Organization') payload.organization = organizationSimple(this.urls(), owner);
    if (changes) payload.changes = changes;
    return payload;
  }
}

