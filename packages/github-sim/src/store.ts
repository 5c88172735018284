import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createIdSequence, nodeIdFor, randomAlphanumeric } from './ids.js';
import type {
  Permissions,
  RepositorySelection,
  SimAccount,
  SimApp,
  SimInstallation,
  SimInstallRequest,
  SimOrg,
  SimRepo,
  SimToken,
  SimUser,
} from './model.js';

export interface SeedAppOptions {
  slug: string;
  name?: string;
  ownerLogin?: string;
  /** PEM private keys to accept (their public halves are stored); one is generated when none is given. */
  privateKeys?: string[];
  permissions?: Permissions;
  events?: string[];
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  setupUrl?: string | null;
  callbackUrls?: string[];
  requestOAuthOnInstall?: boolean;
  setupOnUpdate?: boolean;
  id?: number;
  clientId?: string;
  clientSecret?: string;
}

export interface SeededApp {
  app: SimApp;
  /** the generated private key (PKCS#1 PEM, as GitHub hands it out), when one was generated */
  privateKey: string | null;
}

const redirectKey = (ownerLogin: string, name: string) => `${ownerLogin}/${name}`.toLowerCase();

const defaultAppPermissions: Permissions = { contents: 'write', metadata: 'read', administration: 'write' };

/** The simulator's whole in-memory world, and the lookups every route shares. */
export class SimStore {
  readonly users = new Map<number, SimUser>();
  readonly orgs = new Map<number, SimOrg>();
  readonly apps = new Map<number, SimApp>();
  readonly repos = new Map<number, SimRepo>();
  readonly installations = new Map<number, SimInstallation>();
  readonly installRequests = new Map<number, SimInstallRequest>();
  readonly tokens = new Map<string, SimToken>();
  /** `owner/name` (lower case) a repository was known by before a rename or transfer -> repository id */
  readonly repoRedirects = new Map<string, number>();
  /** app id -> user ids that authorized it */
  readonly authorizations = new Map<number, Set<number>>();
  private readonly nextAccountId = createIdSequence(5000);
  private readonly nextAppId = createIdSequence(100);
  private readonly nextRepoId = createIdSequence(700000);
  private readonly nextInstallationId = createIdSequence(4000000);
  private readonly nextRequestId = createIdSequence(1);

  constructor(private readonly now: () => number) {}

  // ---- seeding -------------------------------------------------------------------------------

  addUser(login: string, options: { name?: string; email?: string; id?: number } = {}): SimUser {
    this.assertLoginFree(login);
    const id = options.id ?? this.nextAccountId();
    const user: SimUser = {
      id,
      nodeId: nodeIdFor('U', id),
      login,
      type: 'User',
      name: options.name ?? login,
      email: options.email ?? `${login}@users.noreply.example`,
      createdAt: this.now(),
    };
    this.users.set(id, user);
    return user;
  }

  addOrg(
    login: string,
    members: Record<string, 'admin' | 'member'> = {},
    options: { id?: number } = {},
  ): SimOrg {
    this.assertLoginFree(login);
    const id = options.id ?? this.nextAccountId();
    const org: SimOrg = {
      id,
      nodeId: nodeIdFor('O', id),
      login,
      type: 'Organization',
      name: login,
      createdAt: this.now(),
      members: new Map(),
    };
    for (const [userLogin, role] of Object.entries(members)) {
      org.members.set(this.requireUser(userLogin).id, role);
    }
    this.orgs.set(id, org);
    return org;
  }

  addApp(options: SeedAppOptions): SeededApp {
    let privateKey: string | null = null;
    const keys = options.privateKeys ?? [];
    if (keys.length === 0) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      privateKey = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      keys.push(privateKey);
    }
    const id = options.id ?? this.nextAppId();
    const owner = options.ownerLogin ? this.requireAccount(options.ownerLogin) : this.firstAccount();
    const app: SimApp = {
      id,
      nodeId: nodeIdFor('A', id),
      slug: options.slug,
      name: options.name ?? options.slug,
      clientId: options.clientId ?? `Iv23li${randomAlphanumeric(14)}`,
      clientSecret: options.clientSecret ?? randomAlphanumeric(40).toLowerCase(),
      ownerId: owner.id,
      publicKeys: keys.map((pem) => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString()),
      permissions: options.permissions ?? { ...defaultAppPermissions },
      events: options.events ?? ['installation', 'installation_repositories', 'repository'],
      webhookUrl: options.webhookUrl ?? null,
      webhookSecret: options.webhookSecret ?? null,
      setupUrl: options.setupUrl ?? null,
      callbackUrls: options.callbackUrls ?? [],
      requestOAuthOnInstall: options.requestOAuthOnInstall ?? false,
      setupOnUpdate: options.setupOnUpdate ?? true,
      createdAt: this.now(),
      updatedAt: this.now(),
    };
    this.apps.set(id, app);
    return { app, privateKey };
  }

  /** Adds a second key (rotation); GitHub keeps up to 25 per app. */
  addAppKey(appId: number, privateKeyPem?: string): string {
    const app = this.requireApp(appId);
    if (app.publicKeys.length >= 25) throw new Error('an app has at most 25 private keys');
    const pem =
      privateKeyPem ??
      generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
    app.publicKeys.push(createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString());
    return pem;
  }

  createRepoRecord(
    owner: SimAccount,
    name: string,
    gitDir: string,
    options: { description?: string | null; private?: boolean } = {},
  ): SimRepo {
    if (this.findRepo(owner.login, name)) throw new Error(`repository ${owner.login}/${name} exists`);
    const id = this.nextRepoId();
    const now = this.now();
    const repo: SimRepo = {
      id,
      nodeId: nodeIdFor('R', id),
      ownerId: owner.id,
      name,
      description: options.description ?? null,
      private: options.private ?? true,
      archived: false,
      defaultBranch: 'main',
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      gitDir,
    };
    this.repos.set(id, repo);
    // A new repository under a moved repository's old name takes the name over: the redirect ends (GitHub's docs).
    this.repoRedirects.delete(redirectKey(owner.login, name));
    return repo;
  }

  createInstallation(
    appId: number,
    accountId: number,
    selection: RepositorySelection,
    repositoryIds: number[],
  ): SimInstallation {
    const app = this.requireApp(appId);
    const existing = this.installationFor(appId, accountId);
    if (existing) throw new Error(`app ${app.slug} is already installed on account ${accountId}`);
    const now = this.now();
    const inst: SimInstallation = {
      id: this.nextInstallationId(),
      appId,
      accountId,
      selection,
      repositoryIds: new Set(selection === 'selected' ? repositoryIds : []),
      permissions: { ...app.permissions },
      events: [...app.events],
      createdAt: now,
      updatedAt: now,
      suspendedAt: null,
      suspendedById: null,
    };
    this.installations.set(inst.id, inst);
    return inst;
  }

  createInstallRequest(
    appId: number,
    accountId: number,
    requesterId: number,
    selection: RepositorySelection,
    repositoryIds: number[],
  ): SimInstallRequest {
    const request = { id: this.nextRequestId(), appId, accountId, requesterId, selection, repositoryIds };
    this.installRequests.set(request.id, request);
    return request;
  }

  // ---- lookups -------------------------------------------------------------------------------

  account(id: number): SimAccount | undefined {
    return this.users.get(id) ?? this.orgs.get(id);
  }

  accountByLogin(login: string): SimAccount | undefined {
    const lower = login.toLowerCase();
    for (const user of this.users.values()) if (user.login.toLowerCase() === lower) return user;
    for (const org of this.orgs.values()) if (org.login.toLowerCase() === lower) return org;
    return undefined;
  }

  userByLogin(login: string): SimUser | undefined {
    const account = this.accountByLogin(login);
    return account?.type === 'User' ? (account as SimUser) : undefined;
  }

  requireUser(login: string): SimUser {
    const user = this.userByLogin(login);
    if (!user) throw new Error(`no simulated user ${login}`);
    return user;
  }

  requireAccount(login: string): SimAccount {
    const account = this.accountByLogin(login);
    if (!account) throw new Error(`no simulated account ${login}`);
    return account;
  }

  requireApp(appId: number): SimApp {
    const app = this.apps.get(appId);
    if (!app) throw new Error(`no simulated app ${appId}`);
    return app;
  }

  appBySlug(slug: string): SimApp | undefined {
    for (const app of this.apps.values()) if (app.slug === slug) return app;
    return undefined;
  }

  appByClientId(clientId: string): SimApp | undefined {
    for (const app of this.apps.values()) if (app.clientId === clientId) return app;
    return undefined;
  }

  findRepo(ownerLogin: string, name: string): SimRepo | undefined {
    const owner = this.accountByLogin(ownerLogin);
    if (!owner) return undefined;
    const lower = name.toLowerCase();
    for (const repo of this.repos.values()) {
      if (repo.ownerId === owner.id && repo.name.toLowerCase() === lower) return repo;
    }
    return undefined;
  }

  /** Remembers that `repoId` was reachable as `ownerLogin/name` (GitHub keeps redirecting from there). */
  recordRepoMove(ownerLogin: string, name: string, repoId: number) {
    this.repoRedirects.set(redirectKey(ownerLogin, name), repoId);
  }

  /** The repository that was known as `ownerLogin/name` before it moved, if it still exists. */
  movedRepo(ownerLogin: string, name: string): SimRepo | undefined {
    const id = this.repoRedirects.get(redirectKey(ownerLogin, name));
    return id === undefined ? undefined : this.repos.get(id);
  }

  reposOf(accountId: number): SimRepo[] {
    return [...this.repos.values()].filter((repo) => repo.ownerId === accountId);
  }

  installationFor(appId: number, accountId: number): SimInstallation | undefined {
    for (const inst of this.installations.values()) {
      if (inst.appId === appId && inst.accountId === accountId) return inst;
    }
    return undefined;
  }

  installationsOfApp(appId: number): SimInstallation[] {
    return [...this.installations.values()].filter((inst) => inst.appId === appId);
  }

  /** Repositories an installation reaches now ("all" = every repository of the account). */
  installationRepos(inst: SimInstallation): SimRepo[] {
    const owned = this.reposOf(inst.accountId);
    return inst.selection === 'all' ? owned : owned.filter((repo) => inst.repositoryIds.has(repo.id));
  }

  installationReaches(inst: SimInstallation, repo: SimRepo): boolean {
    return repo.ownerId === inst.accountId && (inst.selection === 'all' || inst.repositoryIds.has(repo.id));
  }

  /** The user's role on an account: owner of a personal account, or their org role. */
  roleOn(userId: number, account: SimAccount): 'admin' | 'member' | null {
    if (account.type === 'User') return account.id === userId ? 'admin' : null;
    return (account as SimOrg).members.get(userId) ?? null;
  }

  accountsAdministeredBy(userId: number): SimAccount[] {
    const user = this.users.get(userId);
    const orgs = [...this.orgs.values()].filter((org) => org.members.get(userId) === 'admin');
    return user ? [user, ...orgs] : orgs;
  }

  accountsVisibleTo(userId: number): SimAccount[] {
    const user = this.users.get(userId);
    const orgs = [...this.orgs.values()].filter((org) => org.members.has(userId));
    return user ? [user, ...orgs] : orgs;
  }

  private firstAccount(): SimAccount {
    const first = this.orgs.values().next().value ?? this.users.values().next().value;
    if (!first) throw new Error('seed a user or an org before an app');
    return first;
  }

  /** Why `login` cannot be given to a new or renamed account, or null when it can. */
  loginProblem(login: string): string | null {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) return `invalid login ${login}`;
    if (this.accountByLogin(login)) return `login ${login} is taken`;
    return null;
  }

  private assertLoginFree(login: string) {
    const problem = this.loginProblem(login);
    if (problem) throw new Error(problem);
  }
}
