import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { createSimClock, type SimClock } from './clock.js';
import type { SimBehaviour, SimContext, SimExchange } from './context.js';
import { createRoutes } from './create-routes.js';
import { FaultTable } from './faults.js';
import { GitRepositories } from './git-repos.js';
import { handleGitRequest } from './git-server.js';
import type {
  RepositorySelection,
  SimAccount,
  SimApp,
  SimInstallation,
  SimInstallRequest,
  SimOrg,
  SimRepo,
} from './model.js';
import type { SimUrls } from './payloads.js';
import { installationLimit } from './principal.js';
import { defaultRateLimits, RateLimiter, type RateLimitSettings } from './rate-limits.js';
import { type SeedAppOptions, SimStore } from './store.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { SimWorld } from './world.js';

export interface GitHubSimOptions {
  port?: number;
  host?: string;
  /** where the bare repositories live; a temporary folder (removed on close) by default */
  dataDir?: string;
  clock?: SimClock;
  behaviour?: Partial<SimBehaviour>;
  rateLimits?: Partial<RateLimitSettings>;
  /** GitHub gives up on a delivery after 10 s (30 s on GHES) */
  webhookTimeoutMs?: number;
  /**
   * Serve HTTPS with this key and certificate (PEM), as a GHES host is reached: `gh` and other clients that insist
   * on https for an enterprise host can then use the simulator (trust the certificate, e.g. `SSL_CERT_FILE`).
   */
  tls?: { key: string; cert: string };
  /**
   * The GHES release the instance says it runs (`X-GitHub-Enterprise-Version`, `GET /meta`'s `installed_version`);
   * null for none (github.com answers neither). Default `3.17.0`.
   */
  enterpriseVersion?: string | null;
  /** record every REST exchange in `sim.exchanges` (for checking a client's traffic against GitHub's description) */
  record?: boolean;
}

const defaultBehaviour: SimBehaviour = {
  appIdOnlyIssuer: false,
  statelessTokens: false,
  allowUserTokensForInstallationRepos: false,
  newTokenLagMs: 0,
  mintLatencyMs: 0,
};

/**
 * A GitHub (Enterprise Server shaped) simulator: REST at `apiUrl` (`/api/v3`), web pages, OAuth and git at
 * `webUrl`. State lives in memory and is seeded from code; every change goes through `world` so that the
 * webhooks GitHub would send are sent.
 */
export class GitHubSim {
  readonly store: SimStore;
  readonly world: SimWorld;
  readonly clock: SimClock;
  readonly faults = new FaultTable();
  readonly limits: RateLimiter;
  readonly behaviour: SimBehaviour;
  readonly webhooks: WebhookDispatcher;
  readonly context: SimContext;
  private server: Server | null = null;
  private baseUrl = '';
  private readonly ownsDataDir: boolean;
  private readonly dataDir: string;

  private constructor(private readonly options: GitHubSimOptions) {
    this.clock = options.clock ?? createSimClock();
    const now = () => this.clock.now();
    this.ownsDataDir = !options.dataDir;
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'github-sim-'));
    this.store = new SimStore(now);
    this.webhooks = new WebhookDispatcher({ now, timeoutMs: options.webhookTimeoutMs ?? 10_000 });
    this.world = new SimWorld(
      this.store,
      new GitRepositories(this.dataDir),
      this.webhooks,
      now,
      () => this.urls,
    );
    this.limits = new RateLimiter({ ...defaultRateLimits, ...options.rateLimits }, now);
    this.behaviour = { ...defaultBehaviour, ...options.behaviour };
    this.context = {
      store: this.store,
      world: this.world,
      clock: this.clock,
      faults: this.faults,
      limits: this.limits,
      behaviour: this.behaviour,
      urls: () => this.urls,
      requestCounts: new Map(),
      sessions: new Map(),
      oauthCodes: new Map(),
      manifestDrafts: new Map(),
      rawTokens: new Map(),
      manifestCodes: new Map(),
      enterpriseVersion: options.enterpriseVersion === undefined ? '3.17.0' : options.enterpriseVersion,
      exchanges: options.record ? [] : null,
    };
  }

  /** Creates the simulator and starts its HTTP server (port 0 picks a free one). */
  static async start(options: GitHubSimOptions = {}): Promise<GitHubSim> {
    const sim = new GitHubSim(options);
    await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return sim;
  }

  get urls(): SimUrls {
    return { api: `${this.baseUrl}/api/v3`, web: this.baseUrl };
  }

  /** Every REST exchange so far, in order, when made with `record: true` (empty otherwise). */
  get exchanges(): readonly SimExchange[] {
    return this.context.exchanges ?? [];
  }

  get apiUrl(): string {
    return this.urls.api;
  }

  get webUrl(): string {
    return this.baseUrl;
  }

  private async listen(port: number, host: string) {
    const routes = createRoutes(this.context);
    const listener = getRequestListener(routes.fetch);
    const handle: RequestListener = (req, res) => {
      if (!handleGitRequest(this.context, req, res)) void listener(req, res);
    };
    this.server = this.options.tls ? createTlsServer(this.options.tls, handle) : createServer(handle);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    this.baseUrl = `${this.options.tls ? 'https' : 'http'}://${shownHost}:${address.port}`;
  }

  async close(): Promise<void> {
    await this.webhooks.settle().catch(() => {});
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = null;
    }
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  // ---- seeding and scenario sugar -------------------------------------------------------------

  addUser(login: string, options?: Parameters<SimStore['addUser']>[1]) {
    return this.store.addUser(login, options);
  }

  addOrg(login: string, members?: Record<string, 'admin' | 'member'>) {
    return this.store.addOrg(login, members);
  }

  /** Adds `login` to the organization with `role`, or changes their role if already a member. */
  addOrgMember(orgLogin: string, login: string, role: 'admin' | 'member' = 'member') {
    this.world.setOrgMember(this.requireOrg(orgLogin), this.store.requireUser(login), role);
  }

  removeOrgMember(orgLogin: string, login: string) {
    this.world.setOrgMember(this.requireOrg(orgLogin), this.store.requireUser(login), null);
  }

  private requireOrg(login: string): SimOrg {
    const org = this.store.requireAccount(login);
    if (org.type !== 'Organization') throw new Error(`${login} is not an organization`);
    return org as SimOrg;
  }

  addApp(options: SeedAppOptions) {
    return this.store.addApp(options);
  }

  async createRepository(
    ownerLogin: string,
    name: string,
    options: { autoInit?: boolean; creatorApp?: SimApp; private?: boolean; description?: string } = {},
  ): Promise<SimRepo> {
    return this.world.createRepository(this.store.requireAccount(ownerLogin), name, {
      description: options.description ?? null,
      autoInit: options.autoInit ?? true,
      private: options.private ?? true,
      creatorAppId: options.creatorApp?.id ?? null,
    });
  }

  /** Installs `app` on an account as `by` would on the install page (webhook included, no redirect). */
  install(
    app: SimApp,
    accountLogin: string,
    options: {
      by?: string;
      selection?: RepositorySelection;
      repositories?: string[];
      requester?: string;
    } = {},
  ): SimInstallation {
    const account = this.store.requireAccount(accountLogin);
    const sender: SimAccount = options.by ? this.store.requireAccount(options.by) : account;
    const ids = (options.repositories ?? []).map((name) => {
      const repo = this.store.findRepo(accountLogin, name);
      if (!repo) throw new Error(`no repository ${accountLogin}/${name}`);
      return repo.id;
    });
    const requester = options.requester ? this.store.requireAccount(options.requester) : undefined;
    return this.world.install(app, account, sender, options.selection ?? 'selected', ids, requester)
      .installation;
  }

  /** An org owner approves a member's install request: the installation arrives by webhook, with no state. */
  approveInstallRequest(requestId: number, ownerLogin: string): SimInstallation {
    const request = this.store.installRequests.get(requestId);
    if (!request) throw new Error(`no install request ${requestId}`);
    this.store.installRequests.delete(requestId);
    const app = this.store.requireApp(request.appId);
    const account = this.store.account(request.accountId)!;
    const owner = this.store.requireAccount(ownerLogin);
    const requester = this.store.account(request.requesterId) ?? null;
    return this.world.install(app, account, owner, request.selection, request.repositoryIds, requester)
      .installation;
  }

  /** Pending install requests of members (of one account, or all). */
  installRequests(accountLogin?: string): SimInstallRequest[] {
    const accountId = accountLogin === undefined ? undefined : this.store.requireAccount(accountLogin).id;
    return [...this.store.installRequests.values()].filter(
      (r) => accountId === undefined || r.accountId === accountId,
    );
  }

  // ---- owner actions (the same as on the simulated GitHub's pages, with the same webhooks) --------

  /** Suspends an installation as its account's owner would (`installation.suspend`). */
  suspend(installation: SimInstallation, by?: string) {
    const inst = this.liveInstallation(installation);
    if (!inst.suspendedAt) this.world.suspend(inst, this.actor(inst.accountId, by));
  }

  unsuspend(installation: SimInstallation, by?: string) {
    const inst = this.liveInstallation(installation);
    if (inst.suspendedAt) this.world.unsuspend(inst, this.actor(inst.accountId, by));
  }

  /** Uninstalls as the account's owner would (`installation.deleted`; the tokens die). */
  uninstall(installation: SimInstallation, by?: string) {
    const inst = this.liveInstallation(installation);
    this.world.uninstall(inst, this.actor(inst.accountId, by));
  }

  /** Changes the repository selection (`installation_repositories.added|removed`). */
  setRepositorySelection(
    installation: SimInstallation,
    selection: RepositorySelection,
    repositories: string[] = [],
    by?: string,
  ) {
    const inst = this.liveInstallation(installation);
    const account = this.store.account(inst.accountId)!;
    const ids = repositories.map((name) => {
      const repo = this.store.findRepo(account.login, name);
      if (!repo) throw new Error(`no repository ${account.login}/${name}`);
      return repo.id;
    });
    this.world.updateSelection(inst, selection, ids, this.actor(inst.accountId, by));
  }

  /** Renames a user or organization (`installation_target.renamed`; old repository paths redirect). */
  renameAccount(login: string, newLogin: string, by?: string) {
    const account = this.store.requireAccount(login);
    const problem = this.store.loginProblem(newLogin);
    if (problem) throw new Error(problem);
    this.world.renameAccount(account, newLogin, this.actor(account.id, by));
  }

  /** Renames a repository (`repository.renamed`; the old name redirects). */
  renameRepository(ownerLogin: string, name: string, newName: string, by?: string) {
    const repo = this.requireRepo(ownerLogin, name);
    if (this.store.findRepo(ownerLogin, newName)) throw new Error(`${ownerLogin}/${newName} exists`);
    this.world.renameRepository(repo, newName, this.actor(repo.ownerId, by));
  }

  /** Transfers a repository to another account (`repository.transferred`; the old path redirects). */
  transferRepository(ownerLogin: string, name: string, newOwnerLogin: string, by?: string) {
    const repo = this.requireRepo(ownerLogin, name);
    this.world.transferRepository(repo, this.store.requireAccount(newOwnerLogin), this.actor(repo.ownerId, by));
  }

  /** An org owner denies a member's install request: it is dropped, nothing is sent. */
  denyInstallRequest(requestId: number) {
    if (!this.store.installRequests.delete(requestId)) throw new Error(`no install request ${requestId}`);
  }

  private requireRepo(ownerLogin: string, name: string): SimRepo {
    const repo = this.store.findRepo(ownerLogin, name);
    if (!repo) throw new Error(`no repository ${ownerLogin}/${name}`);
    return repo;
  }

  private liveInstallation(installation: SimInstallation): SimInstallation {
    const inst = this.store.installations.get(installation.id);
    if (!inst) throw new Error(`installation ${installation.id} does not exist (any more)`);
    return inst;
  }

  /** Who acts: `by`, or the account itself for a user, or an organization's first owner. */
  private actor(accountId: number, by?: string): SimAccount {
    if (by) return this.store.requireAccount(by);
    const account = this.store.account(accountId)!;
    if (account.type === 'User') return account;
    const ownerId = [...(account as SimOrg).members].find(([, role]) => role === 'admin')?.[0];
    return (ownerId !== undefined ? this.store.users.get(ownerId) : undefined) ?? account;
  }

  /** Spends an installation's hourly budget: its next requests get GitHub's primary-limit 403. */
  exhaustRateLimit(installation: SimInstallation) {
    const inst = this.liveInstallation(installation);
    this.limits.exhaust(`installation:${inst.id}`, installationLimit(this.context, inst));
  }

  mintCount(installationId?: number): number {
    if (installationId !== undefined) return this.world.mintsByInstallation.get(installationId) ?? 0;
    let total = 0;
    for (const count of this.world.mintsByInstallation.values()) total += count;
    return total;
  }

  requestCount(template: string): number {
    return this.context.requestCounts.get(template) ?? 0;
  }

  /** A browser-less sign-in for tests: the cookie header of a session of `login`. */
  sessionCookieFor(login: string): string {
    const user = this.store.requireUser(login);
    const id = `test-${user.id}-${Math.random().toString(36).slice(2)}`;
    this.context.sessions.set(id, user.id);
    return `sim_session=${id}`;
  }
}
