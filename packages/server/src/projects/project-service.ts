import type { PermissionLevel } from '@hubgate/github-auth';
import { GitHubAuthError } from '@hubgate/github-auth';
import type { AppRegistry } from '../apps/app-registry.js';
import type { GitHubApp } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { toAppError } from '../errors/error-response.js';
import type { TenantUser } from '../identity/principal.js';
import type { Logger } from '../logger.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { AuditStore } from '../stores/audit-store.js';
import { type InstallationRow, InstallationStore } from '../stores/installation-store.js';
import { type RepoRow, RepoStore } from '../stores/repo-store.js';
import { classifyCreateError, missingPermission } from './creation-errors.js';
import { CreationPacer, type PacerOptions } from './creation-pacer.js';
import { DatabasePacingLedger } from './pacing-ledger.js';
import { GitError } from './git-remote.js';
import { type GitHubRepo, GitHubRepos, type NewRepo } from './github-repos.js';
import { pushInitialContent, remoteIsEmpty } from './initial-content.js';
import { gitOutboundConfig } from '../apps/outbound-guard.js';
import { type ProjectView, projectView } from './project-view.js';
import {
  checkPatterns,
  defaultRepoNamePatterns,
  type ProjectKind,
  type RepoNamePatterns,
  repoNameFor,
  slugify,
  suggestName,
} from './repo-naming.js';
import { userTokenForAccount } from './user-grant-token.js';

export interface ProjectServiceOptions {
  productName: string;
  patterns?: Partial<RepoNamePatterns>;
  /** a `creating` row younger than this belongs to a creation under way; older, to one that crashed (default 2 min) */
  creatingLeaseMs?: number;
  pacing?: PacerOptions;
}

export interface ProjectServiceDeps {
  db: Database;
  apps: AppRegistry;
  sealer: SecretSealer;
  logger: Logger;
  now: () => Date;
}

/** What the product's own code gets for one project's repository: a token scoped to it, and where to point git. */
export interface ProjectToken {
  token: string;
  expiresAt: Date;
  remoteUrl: string;
  username: 'x-access-token';
  repository: { id: number; fullName: string };
}

type Installation = { row: InstallationRow; app: GitHubApp; acceptUrl: string };

/**
 * The mark a creation writes into its repository's description, naming the project row: how an interrupted creation
 * recognises, by name, the repository it made itself.
 */
export const creationMarker = (projectId: string) => `(project ${projectId.slice(0, 12)})`;

/**
 * Projects: repositories the product creates in the tenant's connected account, and only those. The GitHub id is
 * stored the moment GitHub answers and is the key from then on. A `creating` row is written before GitHub is asked,
 * so that a creation that crashed half-way is found and completed (adopted) by the next attempt, and two admins
 * creating the same project at once meet on the row's unique index. Every failure before GitHub confirmed the
 * repository removes that row again.
 */
export class ProjectService {
  private readonly patterns: RepoNamePatterns;
  private readonly leaseMs: number;
  private readonly github: GitHubRepos;
  private readonly pacer: CreationPacer;

  constructor(
    private readonly deps: ProjectServiceDeps,
    private readonly options: ProjectServiceOptions,
  ) {
    this.patterns = checkPatterns({ ...defaultRepoNamePatterns, ...options.patterns });
    this.leaseMs = options.creatingLeaseMs ?? 120_000;
    this.github = new GitHubRepos();
    this.pacer = new CreationPacer({ now: () => deps.now().getTime(), ledger: new DatabasePacingLedger(deps.db) }, options.pacing);
  }

  private get repos() {
    return new RepoStore(this.deps.db);
  }

  async list(organizationId: string): Promise<ProjectView[]> {
    const rows = await this.repos.list(organizationId);
    const views: ProjectView[] = [];
    for (const row of rows) views.push(projectView(row, await this.webUrlOf(row.appKey)));
    return views;
  }

  private async webUrlOf(appKey: string): Promise<string> {
    const app = await this.deps.apps.byKey(appKey).catch(() => this.deps.apps.system);
    return app.settings.webUrl;
  }

  private async installation(organizationId: string): Promise<Installation> {
    const row = await new InstallationStore(this.deps.db).liveForTenant(organizationId);
    if (!row) throw new AppError('invalid_state', 'Connect a GitHub account first: projects live in its repositories.');
    const app = await this.deps.apps.byKey(row.appKey);
    const acceptUrl = app.urls.installation({ login: row.accountLogin, type: row.accountType }, row.installationId);
    if (row.suspendedAt) throw new AppError('suspended', 'The GitHub installation is suspended; an owner can unsuspend it on GitHub.');
    return { row, app, acceptUrl };
  }

  async create(user: TenantUser, input: { name: string; kind?: ProjectKind }): Promise<ProjectView> {
    const organizationId = user.organizationId;
    const name = input.name.trim().replace(/\s+/g, ' ');
    const kind = input.kind ?? 'project';
    const slug = slugify(name);
    if (!slug) throw new AppError('bad_request', 'name: must contain at least one letter or digit.', { details: { field: 'name' } });
    const repoName = repoNameFor(slug, kind, this.patterns);
    const inst = await this.installation(organizationId);
    // Creating needs Administration: write in both kinds of account (for a personal account, through the user token).
    if (inst.row.permissions.administration !== 'write') throw missingPermission(inst.acceptUrl);

    const claim = await this.claim(user, { name, slug, kind, repoName }, inst.row);
    const row = claim.row;
    let stored = row.githubRepoId !== null;
    const outcome = { maybeCreated: false };
    try {
      const owner = inst.row.accountLogin;
      const wantedName = row.fullName?.split('/')[1] ?? repoName;
      let repo: GitHubRepo | null = null;
      if (claim.resumed) {
        // An earlier attempt stopped half-way: adopt what it created, if GitHub has it and the installation reaches it.
        // Found by name, it is adopted only if it carries the marker this creation wrote in its description: a
        // repository of the same name that hubgate did not create (the customer's own code) is never made a project.
        repo = row.githubRepoId
          ? await this.github.byId(inst.app, inst.row.installationId, row.githubRepoId)
          : await this.github.findByName(inst.app, inst.row.installationId, owner, wantedName).then((found) =>
              found?.description?.includes(creationMarker(row.id)) ? found : null,
            );
        if (repo && repo.owner.id !== inst.row.accountId) repo = null;
      }
      repo ??= await this.createOnGitHub(inst, organizationId, row, { name: wantedName, description: this.description(row), private: true }, outcome);
      await this.repos.update(organizationId, row.id, {
        githubRepoId: repo.id,
        fullName: repo.full_name,
        private: repo.private,
        accountId: repo.owner.id,
      });
      stored = true;
      await this.initialContent(inst, row, repo, claim.resumed);
      await this.repos.update(organizationId, row.id, { accessState: 'reachable', checkedAt: this.deps.now() });
      await new AuditStore(this.deps.db).record({
        organizationId,
        actor: user.userId,
        action: claim.resumed ? 'project.adopted' : 'project.created',
        target: row.id,
        detail: { repository: repo.full_name, githubRepoId: repo.id, kind: row.kind },
      });
    } catch (error) {
      // Nothing half made: without a GitHub repository the row goes; with one (or when GitHub could not say), it waits,
      // invisible, for the next attempt, which resumes it at once instead of meeting "name taken" for its own repository.
      if (!stored && !outcome.maybeCreated) await this.repos.releaseCreating(organizationId, row.id);
      else await this.repos.update(organizationId, row.id, { updatedAt: new Date(0) });
      throw error;
    }
    const done = await this.repos.get(organizationId, row.id);
    return projectView(done!, inst.app.settings.webUrl);
  }

  private description(row: Pick<RepoRow, 'id' | 'name' | 'kind'>): string {
    const what = row.kind === 'guide' ? `the "${row.name}" guide` : `tickets of the ${row.kind} "${row.name}"`;
    return `${this.options.productName}: ${what} ${creationMarker(row.id)}`;
  }

  /**
   * The `creating` row for this slug: a new one, or one whose creator stopped (its lease ran out) to resume. Two
   * admins at once: the unique index on (tenant, slug) lets one insert win; the other is told so (409).
   */
  private async claim(
    user: TenantUser,
    project: { name: string; slug: string; kind: ProjectKind; repoName: string },
    inst: InstallationRow,
  ): Promise<{ row: RepoRow; resumed: boolean }> {
    const repos = this.repos;
    const existing = await repos.bySlug(user.organizationId, project.slug);
    if (existing && existing.accessState !== 'creating') throw alreadyHere(existing.name);
    if (existing) {
      const now = this.deps.now();
      const taken = await repos.takeOverStale(user.organizationId, existing.id, new Date(now.getTime() - this.leaseMs), now);
      if (!taken) throw beingCreated(existing.name, this.leaseMs);
      return { row: taken, resumed: true };
    }
    try {
      const row = await repos.insert({
        organizationId: user.organizationId,
        slug: project.slug,
        name: project.name,
        kind: project.kind,
        appKey: inst.appKey,
        accountId: inst.accountId,
        fullName: `${inst.accountLogin}/${project.repoName}`,
        private: true,
        accessState: 'creating',
        createdBy: user.userId,
      });
      return { row, resumed: false };
    } catch (error) {
      if (isUniqueViolation(error)) throw beingCreated(project.name, this.leaseMs);
      throw error;
    }
  }

  private async createOnGitHub(
    inst: Installation,
    organizationId: string,
    row: RepoRow,
    repo: NewRepo,
    outcome: { maybeCreated: boolean },
  ): Promise<GitHubRepo> {
    const { app, row: installation } = inst;
    const personal = installation.accountType === 'User';
    const context = { acceptUrl: inst.acceptUrl, nowMs: this.deps.now().getTime(), what: 'create the repository' };
    try {
      return await this.pacer.run(`${app.key}:${installation.accountId}`, async () => {
        if (personal) {
          const user = await userTokenForAccount(this.deps, app, organizationId, installation.accountId);
          return this.github.createForUser(app, user.token, repo);
        }
        // Minted before the POST, so that a failed mint is known to have created nothing.
        await app.tokens.getToken({ installationId: installation.installationId, permissions: { administration: 'write' } });
        return this.github.createInOrganization(app, installation.installationId, installation.accountLogin, repo);
      });
    } catch (error) {
      const failure = classifyCreateError(error, context);
      if (failure.kind === 'taken') throw await this.nameTaken(inst, row);
      if (failure.kind === 'refused') throw failure.error;
      // No answer: GitHub may have created it. Adopt it if so; if GitHub cannot tell us either, keep the row.
      const found = await this.github.findByName(app, installation.installationId, installation.accountLogin, repo.name).catch(() => {
        outcome.maybeCreated = true;
        throw failure.error;
      });
      // Ours only if it carries this creation's marker (one of the same name made by someone else is not adopted).
      if (found?.description?.includes(creationMarker(row.id))) return found;
      throw failure.error;
    }
  }

  private async nameTaken(inst: Installation, row: RepoRow): Promise<AppError> {
    const owner = inst.row.accountLogin;
    const repoName = row.fullName?.split('/')[1] ?? '';
    const suggestion = await suggestName(row.name, async (candidate) => {
      const slug = slugify(candidate);
      if (await this.repos.bySlug(row.organizationId, slug)) return true;
      const found = await this.github
        .findByName(inst.app, inst.row.installationId, owner, repoNameFor(slug, row.kind, this.patterns))
        .catch(() => null);
      return found !== null;
    }).catch(() => null);
    return new AppError(
      'unprocessable',
      `A repository named ${owner}/${repoName} already exists on GitHub; choose another project name${suggestion ? `, such as "${suggestion}"` : ''}.`,
      { details: { field: 'name', ...(suggestion ? { suggestion } : {}) } },
    );
  }

  /** README and folder layout in one push, with a token scoped to this one repository and Contents: write. */
  private async initialContent(inst: Installation, row: RepoRow, repo: GitHubRepo, resumed: boolean) {
    const token = await inst.app.tokens.getToken({
      installationId: inst.row.installationId,
      repositoryIds: [repo.id],
      permissions: { contents: 'write' },
    });
    const remoteUrl = remoteUrlOf(inst.app, repo.full_name);
    const credential = { username: 'x-access-token', password: token.token };
    // A tenant's own host: git is held to the same outbound rule as every request (checked, pinned, no redirects).
    const remoteConfig = inst.app.outbound ? await gitOutboundConfig(remoteUrl, inst.app.outbound) : [];
    try {
      if (resumed && !(await remoteIsEmpty(remoteUrl, credential, remoteConfig))) return;
      await pushInitialContent({
        remoteConfig,
        productName: this.options.productName,
        projectName: row.name,
        kind: row.kind,
        remoteUrl,
        credential,
        now: this.deps.now(),
      });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      this.deps.logger.warn({ err: { message: error.message }, repository: repo.full_name }, 'initial push failed');
      throw new AppError('github_unavailable', 'The repository was created but its first content could not be pushed; try again.', {
        cause: error,
      });
    }
  }

  /**
   * A token for one project's repository with the permissions the caller names, scoped to that repository's id
   * (also on an "All repositories" installation), and the remote git uses with it (`username` x-access-token).
   */
  async tokenFor(
    organizationId: string,
    projectId: string,
    permissions: Record<string, PermissionLevel>,
    options: { minValidityMs?: number } = {},
  ): Promise<ProjectToken> {
    const row = await this.repos.get(organizationId, projectId);
    if (!row || row.accessState === 'creating' || row.githubRepoId === null || row.fullName === null)
      throw new AppError('not_found', 'No such project.');
    const inst = await this.installation(organizationId);
    if (row.appKey !== inst.row.appKey || row.accountId !== inst.row.accountId)
      throw new AppError('invalid_state', `The repository ${row.fullName} is not in the GitHub account connected now.`);
    if (row.accessState === 'moved' || row.accessState === 'deleted')
      throw new AppError('not_found', `The repository of this project was ${row.accessState === 'moved' ? 'moved out of the connected account' : 'deleted'}.`);
    try {
      const token = await inst.app.tokens.getToken({
        installationId: inst.row.installationId,
        repositoryIds: [row.githubRepoId],
        permissions,
        ...(options.minValidityMs !== undefined ? { minValidityMs: options.minValidityMs } : {}),
      });
      return {
        token: token.token,
        expiresAt: new Date(token.expiresAt),
        remoteUrl: remoteUrlOf(inst.app, row.fullName),
        username: 'x-access-token',
        repository: { id: row.githubRepoId, fullName: row.fullName },
      };
    } catch (error) {
      if (error instanceof GitHubAuthError && error.code === 'token_request_failed' && error.status === 422) {
        if (/permission/i.test(error.message)) throw missingPermission(inst.acceptUrl, error);
        // GitHub would not scope a token to it: the installation no longer reaches it. Reconcile looks first.
        await this.repos.requestRecheck(organizationId, row.id, this.deps.now());
        throw new AppError('not_found', `The GitHub App no longer reaches ${row.fullName}; an owner can select it on the installation page.`, {
          cause: error,
          details: { acceptUrl: inst.acceptUrl },
        });
      }
      throw toAppError(error);
    }
  }
}

export function remoteUrlOf(app: GitHubApp, fullName: string): string {
  return `${app.settings.webUrl}/${fullName}.git`;
}

function alreadyHere(name: string) {
  return new AppError('conflict', `A project named "${name}" already exists here.`, { details: { field: 'name' } });
}

function beingCreated(name: string, leaseMs: number) {
  return new AppError('conflict', `The project "${name}" is being created right now (by another request); it appears in the list when done.`, {
    details: { field: 'name', retryAfter: Math.ceil(leaseMs / 1000) },
  });
}

/** PostgreSQL's unique_violation (23505), through Drizzle's wrapping; PGlite reports the same code. */
function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++)
    if (e.code === '23505') return true;
  return false;
}
