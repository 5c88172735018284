import type { GitRepositories } from './git-repos.js';
import type {
  Permissions,
  RepositorySelection,
  SimAccount,
  SimApp,
  SimInstallation,
  SimOrg,
  SimRepo,
  SimToken,
  SimUser,
} from './model.js';
import { organizationSimple, type SimUrls, simpleUser } from './payloads.js';
import { commitsOf, type PushedCommit, type RefUpdate, zeroSha } from './push-events.js';
import type { SimStore } from './store.js';
import {
  classicToken,
  installationTokenLifetimeMs,
  refreshTokenLifetimeMs,
  statelessInstallationToken,
  userTokenLifetimeMs,
} from './tokens.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookPayloads } from './webhook-payloads.js';

export interface MintOptions {
  repositoryIds?: number[] | null;
  permissions?: Permissions;
  stateless?: boolean;
}

/**
 * Every change to the simulated world goes through here, so that the REST routes, the web pages and the
 * code-level scenario controls send the same webhooks GitHub would (and none it would not).
 */
export class SimWorld {
  readonly payloads: WebhookPayloads;
  /** tokens minted per installation id, for tests and benchmarks */
  readonly mintsByInstallation = new Map<number, number>();

  constructor(
    readonly store: SimStore,
    readonly git: GitRepositories,
    readonly webhooks: WebhookDispatcher,
    readonly now: () => number,
    readonly urls: () => SimUrls,
  ) {
    this.payloads = new WebhookPayloads(store, urls);
  }

  // ---- repositories ----------------------------------------------------------------------------

  async createRepository(
    owner: SimAccount,
    name: string,
    options: {
      description?: string | null;
      private?: boolean;
      autoInit?: boolean;
      creatorAppId?: number | null;
      /** who created it: then `repository.created` goes to the installations that reach it (a seed sends none) */
      sender?: SimAccount;
    } = {},
  ): Promise<SimRepo> {
    const placeholder = this.store.createRepoRecord(owner, name, '', options);
    placeholder.gitDir = await this.git.init(placeholder.id);
    if (options.autoInit) {
      await this.git.writeFile(
        placeholder.gitDir,
        'main',
        'README.md',
        Buffer.from(`# ${name}\n`),
        'Initial commit',
        this.now(),
      );
    }
    // An app always gains access to the repositories it creates, even on "Only select repositories".
    if (options.creatorAppId) {
      const inst = this.store.installationFor(options.creatorAppId, owner.id);
      if (inst && inst.selection === 'selected') inst.repositoryIds.add(placeholder.id);
    }
    if (options.sender) this.sendRepositoryEvent(placeholder, 'created', options.sender);
    return placeholder;
  }

  renameRepository(repo: SimRepo, newName: string, sender: SimAccount) {
    const oldName = repo.name;
    this.store.recordRepoMove(this.store.account(repo.ownerId)!.login, oldName, repo.id);
    repo.name = newName;
    this.store.repoRedirects.delete(`${this.store.account(repo.ownerId)!.login}/${newName}`.toLowerCase());
    repo.updatedAt = this.now();
    this.sendRepositoryEvent(repo, 'renamed', sender, { repository: { name: { from: oldName } } });
  }

  /**
   * The other changes a PATCH can make, each with the `repository` webhook GitHub sends for it
   * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#repository): `edited` (with `changes`
   * of the description), `privatized` / `publicized`, `archived` / `unarchived`.
   */
  editRepository(
    repo: SimRepo,
    update: { description?: string | null; private?: boolean; archived?: boolean },
    sender: SimAccount,
  ) {
    const now = this.now();
    if (update.description !== undefined && update.description !== repo.description) {
      const from = repo.description;
      repo.description = update.description;
      repo.updatedAt = now;
      this.sendRepositoryEvent(repo, 'edited', sender, { description: { from } });
    }
    if (update.private !== undefined && update.private !== repo.private) {
      repo.private = update.private;
      repo.updatedAt = now;
      this.sendRepositoryEvent(repo, repo.private ? 'privatized' : 'publicized', sender);
    }
    if (update.archived !== undefined && update.archived !== repo.archived) {
      repo.archived = update.archived;
      repo.updatedAt = now;
      this.sendRepositoryEvent(repo, repo.archived ? 'archived' : 'unarchived', sender);
    }
  }

  transferRepository(repo: SimRepo, newOwner: SimAccount, sender: SimAccount) {
    const oldOwner = this.store.account(repo.ownerId)!;
    for (const inst of this.store.installations.values()) inst.repositoryIds.delete(repo.id);
    this.store.recordRepoMove(oldOwner.login, repo.name, repo.id);
    repo.ownerId = newOwner.id;
    this.store.repoRedirects.delete(`${newOwner.login}/${repo.name}`.toLowerCase());
    repo.updatedAt = this.now();
    const from =
      oldOwner.type === 'User'
        ? { user: simpleUser(this.urls(), oldOwner) }
        : { organization: organizationSimple(this.urls(), oldOwner) };
    const changes = { owner: { from } };
    this.sendRepositoryEvent(repo, 'transferred', sender, changes);
  }

  /**
   * GitHub never sends `repository.deleted` to apps (neither to one on "All repositories" nor to one the repository
   * was selected for; no `installation_repositories.removed` either): the deletion is silent here too, and an app
   * notices it by a 404 or a listing.
   */
  async deleteRepository(repo: SimRepo) {
    for (const inst of this.store.installations.values()) inst.repositoryIds.delete(repo.id);
    this.store.repos.delete(repo.id);
    for (const [key, id] of this.store.repoRedirects) if (id === repo.id) this.store.repoRedirects.delete(key);
    await this.git.remove(repo.gitDir);
  }

  /**
   * A push that moved refs: `push` per ref, and `create`/`delete` for refs it made or removed, to each installation
   * that reaches the repository and subscribes to the event (as GitHub does; `create` comes before its `push`).
   */
  pushed(repo: SimRepo, updates: RefUpdate[], sender: SimAccount, pusher: string, forcedOf: (update: RefUpdate) => boolean, commitsOf: (update: RefUpdate) => PushedCommit[]) {
    for (const { inst, app } of this.watching(repo)) {
      const meta = { installationId: inst.id, repositoryId: repo.id };
      for (const update of updates) {
        const created = update.before === zeroSha;
        const deleted = update.after === zeroSha;
        if (created && inst.events.includes('create'))
          this.webhooks.deliver(app, 'create', this.payloads.refEvent('create', inst, repo, update, sender), meta);
        if (deleted && inst.events.includes('delete'))
          this.webhooks.deliver(app, 'delete', this.payloads.refEvent('delete', inst, repo, update, sender), meta);
        if (inst.events.includes('push')) {
          const forced = !created && !deleted && forcedOf(update);
          this.webhooks.deliver(app, 'push', this.payloads.push(inst, repo, update, forced, commitsOf(update), sender, pusher), meta);
        }
      }
    }
  }

  /**
   * A ref moved by the REST API (a contents commit, a new ref): the same events as a git push of it, the app's bot
   * as the pusher when an installation made it.
   */
  refMovedByApi(repo: SimRepo, update: RefUpdate, sender: SimAccount, pusher: string) {
    this.pushed(
      repo,
      [update],
      sender,
      pusher,
      () => false,
      (u) => commitsOf(repo.gitDir, u),
    );
  }

  /** `pull_request` (opened...) to each installation that reaches the repository and subscribes to it. */
  pullRequestEvent(
    repo: SimRepo,
    action: string,
    number: number,
    pullRequest: Record<string, unknown>,
    sender: SimAccount,
    changes?: Record<string, unknown>,
  ) {
    for (const { inst, app } of this.watching(repo, 'pull_request')) {
      const body = { number, pull_request: pullRequest, ...this.payloads.repository(action, inst, repo, sender, changes) };
      this.webhooks.deliver(app, 'pull_request', body, { installationId: inst.id, repositoryId: repo.id });
    }
  }

  /** The installations that reach the repository, are not suspended and subscribe to `event`, with their apps. */
  private *watching(repo: SimRepo, event?: string) {
    for (const inst of this.store.installations.values()) {
      if (!this.store.installationReaches(inst, repo) || inst.suspendedAt) continue;
      if (event !== undefined && !inst.events.includes(event)) continue;
      yield { inst, app: this.store.requireApp(inst.appId) };
    }
  }

  private sendRepositoryEvent(
    repo: SimRepo,
    action: string,
    sender: SimAccount,
    changes?: Record<string, unknown>,
  ) {
    for (const { inst, app } of this.watching(repo, 'repository')) {
      this.webhooks.deliver(
        app,
        'repository',
        this.payloads.repository(action, inst, repo, sender, changes),
        {
          installationId: inst.id,
          repositoryId: repo.id,
        },
      );
    }
  }

  // ---- installations ---------------------------------------------------------------------------

  install(
    app: SimApp,
    account: SimAccount,
    sender: SimAccount,
    selection: RepositorySelection,
    repositoryIds: number[],
    requester?: SimAccount | null,
  ) {
    const valid = repositoryIds.filter((id) => this.store.repos.get(id)?.ownerId === account.id);
    const existing = this.store.installationFor(app.id, account.id);
    if (existing) {
      this.updateSelection(existing, selection, valid, sender);
      return { installation: existing, setupAction: 'update' as const };
    }
    const inst = this.store.createInstallation(app.id, account.id, selection, valid);
    this.webhooks.deliver(
      app,
      'installation',
      this.payloads.installation('created', app, inst, sender, requester),
      { installationId: inst.id },
    );
    return { installation: inst, setupAction: 'install' as const };
  }

  updateSelection(
    inst: SimInstallation,
    selection: RepositorySelection,
    repositoryIds: number[],
    sender: SimAccount,
  ) {
    const before = new Set(this.store.installationRepos(inst).map((r) => r.id));
    inst.selection = selection;
    inst.repositoryIds = new Set(selection === 'selected' ? repositoryIds : []);
    inst.updatedAt = this.now();
    const after = this.store.installationRepos(inst);
    const added = after.filter((r) => !before.has(r.id));
    const afterIds = new Set(after.map((r) => r.id));
    const removed = [...before]
      .filter((id) => !afterIds.has(id))
      .map((id) => this.store.repos.get(id)!)
      .filter(Boolean);
    this.sendRepositoriesChange(inst, sender, added, removed);
  }

  addRepository(inst: SimInstallation, repo: SimRepo, sender: SimAccount) {
    if (inst.selection === 'all' || inst.repositoryIds.has(repo.id)) return;
    inst.repositoryIds.add(repo.id);
    inst.updatedAt = this.now();
    this.sendRepositoriesChange(inst, sender, [repo], []);
  }

  removeRepository(inst: SimInstallation, repo: SimRepo, sender: SimAccount) {
    if (!inst.repositoryIds.delete(repo.id)) return;
    inst.updatedAt = this.now();
    this.sendRepositoriesChange(inst, sender, [], [repo]);
  }

  private sendRepositoriesChange(
    inst: SimInstallation,
    sender: SimAccount,
    added: SimRepo[],
    removed: SimRepo[],
  ) {
    const app = this.store.requireApp(inst.appId);
    if (added.length > 0) {
      this.webhooks.deliver(
        app,
        'installation_repositories',
        this.payloads.installationRepositories('added', app, inst, sender, added, []),
        { installationId: inst.id },
      );
    }
    if (removed.length > 0) {
      this.webhooks.deliver(
        app,
        'installation_repositories',
        this.payloads.installationRepositories('removed', app, inst, sender, [], removed),
        { installationId: inst.id },
      );
    }
  }

  suspend(inst: SimInstallation, by: SimAccount) {
    inst.suspendedAt = this.now();
    inst.suspendedById = by.id;
    const app = this.store.requireApp(inst.appId);
    // GitHub sends the suspend event itself, then nothing more until unsuspended.
    this.webhooks.deliver(app, 'installation', this.payloads.installation('suspend', app, inst, by), {
      installationId: inst.id,
    });
  }

  unsuspend(inst: SimInstallation, by: SimAccount) {
    inst.suspendedAt = null;
    inst.suspendedById = null;
    const app = this.store.requireApp(inst.appId);
    this.webhooks.deliver(app, 'installation', this.payloads.installation('unsuspend', app, inst, by), {
      installationId: inst.id,
    });
  }

  uninstall(inst: SimInstallation, sender: SimAccount) {
    const app = this.store.requireApp(inst.appId);
    const payload = this.payloads.installation('deleted', app, inst, sender);
    this.store.installations.delete(inst.id);
    for (const token of this.store.tokens.values())
      if (token.installationId === inst.id) token.revoked = true;
    this.webhooks.deliver(app, 'installation', payload, { installationId: inst.id });
  }

  acceptNewPermissions(inst: SimInstallation, permissions: Permissions, sender: SimAccount) {
    inst.permissions = { ...permissions };
    inst.updatedAt = this.now();
    const app = this.store.requireApp(inst.appId);
    app.permissions = { ...permissions };
    this.webhooks.deliver(
      app,
      'installation',
      this.payloads.installation('new_permissions_accepted', app, inst, sender),
      { installationId: inst.id },
    );
  }

  /** Adds a user to an organization, or changes their role (`null` removes them). */
  setOrgMember(org: SimOrg, user: SimUser, role: 'admin' | 'member' | null) {
    if (role === null) org.members.delete(user.id);
    else org.members.set(user.id, role);
  }

  renameAccount(account: SimAccount, newLogin: string, sender: SimAccount) {
    const oldLogin = account.login;
    // GitHub redirects the old paths of the account's repositories after a rename.
    for (const repo of this.store.reposOf(account.id)) this.store.recordRepoMove(oldLogin, repo.name, repo.id);
    account.login = newLogin;
    for (const inst of this.store.installations.values()) {
      if (inst.accountId !== account.id || inst.suspendedAt) continue;
      const app = this.store.requireApp(inst.appId);
      this.webhooks.deliver(
        app,
        'installation_target',
        this.payloads.installationTarget(app, inst, account, oldLogin, sender),
        { installationId: inst.id },
      );
    }
  }

  revokeAuthorization(app: SimApp, user: SimUser) {
    this.store.authorizations.get(app.id)?.delete(user.id);
    for (const token of this.store.tokens.values()) {
      if (
        token.appId === app.id &&
        token.userId === user.id &&
        (token.kind === 'user' || token.kind === 'refresh')
      )
        token.revoked = true;
    }
    this.webhooks.deliver(app, 'github_app_authorization', this.payloads.appAuthorizationRevoked(user));
  }

  // ---- tokens ----------------------------------------------------------------------------------

  mintInstallationToken(app: SimApp, inst: SimInstallation, options: MintOptions = {}): SimToken {
    const now = this.now();
    const expiresAt = now + installationTokenLifetimeMs;
    const permissions = options.permissions ?? { ...inst.permissions };
    const repositoryIds = options.repositoryIds ?? null;
    const value = options.stateless
      ? statelessInstallationToken(app.id, inst.id, expiresAt, permissions, repositoryIds)
      : classicToken('ghs_');
    const token: SimToken = {
      kind: 'installation',
      value,
      appId: app.id,
      installationId: inst.id,
      userId: null,
      repositoryIds,
      permissions,
      scopes: [],
      createdAt: now,
      expiresAt,
      revoked: false,
    };
    this.store.tokens.set(value, token);
    this.mintsByInstallation.set(inst.id, (this.mintsByInstallation.get(inst.id) ?? 0) + 1);
    return token;
  }

  issueUserTokens(app: SimApp, user: SimUser) {
    const now = this.now();
    const access: SimToken = {
      kind: 'user',
      value: classicToken('ghu_'),
      appId: app.id,
      installationId: null,
      userId: user.id,
      repositoryIds: null,
      permissions: { ...app.permissions },
      scopes: [],
      createdAt: now,
      expiresAt: now + userTokenLifetimeMs,
      revoked: false,
    };
    const refresh: SimToken = {
      ...access,
      kind: 'refresh',
      value: classicToken('ghr_'),
      expiresAt: now + refreshTokenLifetimeMs,
    };
    access.pairedWith = refresh.value;
    refresh.pairedWith = access.value;
    this.store.tokens.set(access.value, access);
    this.store.tokens.set(refresh.value, refresh);
    const authorized = this.store.authorizations.get(app.id) ?? new Set<number>();
    authorized.add(user.id);
    this.store.authorizations.set(app.id, authorized);
    return { access, refresh };
  }

  /** A classic personal access token for a simulated user (scopes such as `repo`). */
  addPersonalAccessToken(user: SimUser, scopes: string[] = ['repo']): string {
    const token: SimToken = {
      kind: 'pat',
      value: classicToken('ghp_'),
      appId: null,
      installationId: null,
      userId: user.id,
      repositoryIds: null,
      permissions: {},
      scopes,
      createdAt: this.now(),
      expiresAt: null,
      revoked: false,
    };
    this.store.tokens.set(token.value, token);
    return token.value;
  }
}
