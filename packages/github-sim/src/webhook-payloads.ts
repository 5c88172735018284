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
import type { PushedCommit, RefUpdate } from './push-events.js';
import { zeroSha } from './push-events.js';
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

  /** A repository as push events carry it: `created_at` and `pushed_at` are Unix seconds there, plus two legacy fields. */
  private pushRepository(repo: SimRepo) {
    const owner = this.store.account(repo.ownerId)!;
    const base = repository(this.urls(), repo, owner);
    return {
      ...base,
      owner: { ...base.owner, name: owner.login, email: null },
      created_at: Math.floor(repo.createdAt / 1000),
      pushed_at: Math.floor(repo.pushedAt / 1000),
      stargazers: 0,
      master_branch: repo.defaultBranch,
      custom_properties: {},
      ...(owner.type === 'Organization' ? { organization: owner.login } : {}),
    };
  }

  /** `push`: one per ref a push moved, created or deleted. */
  push(inst: SimInstallation, repo: SimRepo, update: RefUpdate, forced: boolean, commits: PushedCommit[], sender: SimAccount, pusher: string) {
    const owner = this.store.account(repo.ownerId)!;
    const web = `${this.urls().web}/${owner.login}/${repo.name}`;
    const shown = commits.map((commit) => ({
      id: commit.id,
      tree_id: commit.treeId,
      distinct: true,
      message: commit.message,
      timestamp: commit.timestamp,
      url: `${web}/commit/${commit.id}`,
      author: commit.author,
      committer: commit.committer,
      added: commit.added,
      removed: commit.removed,
      modified: commit.modified,
    }));
    const created = update.before === zeroSha;
    const deleted = update.after === zeroSha;
    const payload: Record<string, unknown> = {
      ref: update.ref,
      before: update.before,
      after: update.after,
      repository: this.pushRepository(repo),
      pusher: { name: pusher, email: null },
      sender: simpleUser(this.urls(), sender),
      installation: { id: inst.id, node_id: nodeIdFor('I', inst.id) },
      created,
      deleted,
      forced,
      base_ref: null,
      compare: created || deleted ? `${web}/compare/${update.ref.replace(/^refs\/(heads|tags)\//, '')}` : `${web}/compare/${update.before.slice(0, 12)}...${update.after.slice(0, 12)}`,
      commits: shown,
      head_commit: deleted ? null : (shown.at(-1) ?? null),
    };
    if (owner.type === 'Organization') payload.organization = organizationSimple(this.urls(), owner);
    return payload;
  }

  /** `create` or `delete` of a branch or tag: `ref` is the short name there. */
  refEvent(kind: 'create' | 'delete', inst: SimInstallation, repo: SimRepo, update: RefUpdate, sender: SimAccount) {
    const owner = this.store.account(repo.ownerId)!;
    const tag = update.ref.startsWith('refs/tags/');
    const payload: Record<string, unknown> = {
      ref: update.ref.replace(/^refs\/(heads|tags)\//, ''),
      ref_type: tag ? 'tag' : 'branch',
      pusher_type: 'user',
      repository: { ...repository(this.urls(), repo, owner), custom_properties: {} },
      sender: simpleUser(this.urls(), sender),
      installation: { id: inst.id, node_id: nodeIdFor('I', inst.id) },
    };
    if (kind === 'create') {
      payload.master_branch = repo.defaultBranch;
      payload.description = repo.description;
    }
    if (owner.type === 'Organization') payload.organization = organizationSimple(this.urls(), owner);
    return payload;
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

