import type { AppRegistry } from '../apps/app-registry.js';
import type { GitHubApp } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import type { ReconnectResult } from '@hubgate/contract';
import type { RepoAccessState } from '../db/schema/repos.js';
import { listReachable } from '../installations/list-reachable.js';
import type { Logger } from '../logger.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { AuditStore } from '../stores/audit-store.js';
import { JobStateStore } from '../stores/job-state-store.js';
import { stateChanged } from '../stores/state-generation.js';
import { type InstallationRow, InstallationStore } from '../stores/installation-store.js';
import { RepoStore } from '../stores/repo-store.js';
import { UserGrantStore } from '../stores/user-grant-store.js';

export type RestoreResult = 'restored' | 'missing' | 'deleted' | 'moved';

export interface RestoreItem {
  projectId: string;
  githubRepoId: number;
  /** set once the repository was asked for (or found reachable) */
  tried?: boolean;
  result?: RestoreResult;
}

interface RestoreJob {
  organizationId: string;
  userId: string;
  appKey: string;
  installationId: number;
  status: 'running' | 'done';
  startedAt: string;
  items: RestoreItem[];
}

/** The answer of `GET /api/github/reconnect` (@hubgate/contract). */
export type { ReconnectResult } from '@hubgate/contract';

export interface RestoreOptions {
  /**
   * `PUT /user/installations/{id}/repositories/{repo}` is a write: GitHub's secondary limit allows about 900 points
   * a minute per endpoint at 5 points a write, so 180 a minute. Tests and GHES with other limits set their own.
   */
  writesPerMinute?: number;
  sleep?: (ms: number) => Promise<void>;
}

const keyOf = (organizationId: string) => `restore:${organizationId}`;

/**
 * Reconnect's restore step (seed TKT-033, as GitHub really works): the tenant's earlier repositories (stored GitHub
 * ids) are compared with what the new installation reaches (`GET /installation/repositories`); for each one missing
 * hubgate tries `PUT /user/installations/{id}/repositories/{repo}` with the admin's user token (GitHub documents that
 * call for classic PATs only; newer GitHub lets app user tokens do it), paced inside GitHub's secondary limit, then
 * lists again. Only what the listing shows is reported restored; the rest is missing (with the page where an owner
 * selects it), deleted, or in another account. Progress is stored as it goes, so a restart resumes the job.
 */
export class RestoreAccess {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
    private readonly sealer: SecretSealer,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: RestoreOptions = {},
  ) {}

  /** Starts a restore for the tenant's projects after a (re)connect; nothing to do when it has none. */
  async start(binding: InstallationRow, userId: string): Promise<void> {
    const projects = (await new RepoStore(this.db).list(binding.organizationId)).filter(
      (p) => p.githubRepoId !== null && p.appKey === binding.appKey,
    );
    if (projects.length === 0) return;
    const job: RestoreJob = {
      organizationId: binding.organizationId,
      userId,
      appKey: binding.appKey,
      installationId: binding.installationId,
      status: 'running',
      startedAt: this.now().toISOString(),
      // A project made in another account than the one now connected stays there: never mixed in, never asked for.
      items: projects.map((p) =>
        p.accountId !== null && p.accountId !== binding.accountId
          ? { projectId: p.id, githubRepoId: p.githubRepoId!, tried: true, result: 'moved' as const }
          : { projectId: p.id, githubRepoId: p.githubRepoId! },
      ),
    };
    await this.save(job);
    this.launch(binding.organizationId);
  }

  /** Picks up every restore a stopped process left running (called at start). */
  async resumeAll(): Promise<number> {
    const rows = await new JobStateStore(this.db).withPrefix<RestoreJob>('restore:');
    let resumed = 0;
    for (const { data: job } of rows) {
      if (job.status !== 'running') continue;
      this.launch(job.organizationId);
      resumed++;
    }
    return resumed;
  }

  private launch(organizationId: string) {
    if (this.running.has(organizationId)) return;
    const work = this.run(organizationId)
      .catch((error) => this.logger.warn({ err: error, organizationId }, 'restoring repository access stopped'))
      .finally(() => this.running.delete(organizationId));
    this.running.set(organizationId, work);
  }

  /** Resolves when every restore under way in this process has finished or stopped. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Stops the loops at their next step (shutdown); their progress is stored and resumed by the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.settle();
  }

  private async run(organizationId: string): Promise<void> {
    const job = await this.load(organizationId);
    if (!job || job.status !== 'running') return;
    const binding = await new InstallationStore(this.db).liveForTenant(organizationId);
    if (!binding || binding.installationId !== job.installationId || binding.appKey !== job.appKey) {
      job.status = 'done';
      await this.save(job);
      return;
    }
    const app = await this.apps.byKey(job.appKey);
    const grant = await new UserGrantStore(this.db, this.sealer).get(organizationId, job.userId);
    const reachable = await listReachable(app, binding.installationId);
    const interval = 60_000 / (this.options.writesPerMinute ?? 180);
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let sinceSave = 0;
    for (const item of job.items) {
      if (this.stopped) {
        await this.save(job);
        return;
      }
      if (item.tried) continue;
      item.tried = true;
      if (reachable.has(item.githubRepoId) || binding.repositorySelection === 'all' || !grant?.accessToken) continue;
      const started = performance.now();
      item.result = await this.askGitHub(app, binding, grant.accessToken, item.githubRepoId);
      if (++sinceSave >= 25) {
        await this.save(job);
        sinceSave = 0;
      }
      const wait = interval - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
    // Verified by listing: only what the installation now reaches is restored.
    const after = await listReachable(app, binding.installationId);
    const repos = new RepoStore(this.db);
    const byState = new Map<RepoAccessState, number[]>();
    for (const item of job.items) {
      const found = after.get(item.githubRepoId);
      if (found) item.result = found.ownerId === binding.accountId ? 'restored' : 'moved';
      else if (item.result !== 'deleted' && item.result !== 'moved') item.result = 'missing';
      const state: RepoAccessState = item.result === 'restored' ? 'reachable' : item.result;
      byState.set(state, [...(byState.get(state) ?? []), item.githubRepoId]);
    }
    for (const [state, ids] of byState) await repos.markAccess(organizationId, ids, state, this.now());
    job.status = 'done';
    await this.save(job);
    await new AuditStore(this.db).record({
      organizationId,
      actor: job.userId,
      action: 'github.access_restored',
      target: String(job.installationId),
      detail: Object.fromEntries(['restored', 'missing', 'deleted', 'moved'].map((r) => [r, job.items.filter((i) => i.result === r).length])),
    });
  }

  /** One PUT; 404 means the repository is gone (or not the account's); a refusal leaves it to the owner. */
  private async askGitHub(app: GitHubApp, binding: InstallationRow, userToken: string, repoId: number): Promise<RestoreResult | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await app.user.raw(userToken, 'PUT', `/user/installations/${binding.installationId}/repositories/${repoId}`);
      if (response.status === 204 || response.status === 304) return undefined;
      if (response.status === 404) return 'deleted';
      const retryAfter = Number(response.headers.get('retry-after'));
      if ((response.status === 403 || response.status === 429) && retryAfter > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 120) * 1000));
        continue;
      }
      return 'missing';
    }
    return 'missing';
  }

  /** What the page shows: per project, restored / missing (with the page to select it) / deleted / moved. */
  async result(organizationId: string): Promise<ReconnectResult> {
    const job = await this.load(organizationId);
    if (!job) return { status: 'none', progress: { done: 0, total: 0 }, items: [] };
    const projects = new Map((await new RepoStore(this.db).list(organizationId)).map((p) => [p.id, p]));
    const binding = await new InstallationStore(this.db).liveForTenant(organizationId);
    const app = binding ? await this.apps.byKey(binding.appKey) : null;
    const selectUrl =
      binding && app ? app.urls.installation({ login: binding.accountLogin, type: binding.accountType }, binding.installationId) : undefined;
    return {
      status: job.status,
      progress: { done: job.items.filter((i) => i.tried).length, total: job.items.length },
      items: job.items.map((item) => {
        const project = projects.get(item.projectId);
        return {
          projectId: item.projectId,
          name: project?.name ?? '',
          repository: { id: item.githubRepoId, fullName: project?.fullName ?? null },
          result: job.status === 'done' ? (item.result ?? 'missing') : 'pending',
          ...(job.status === 'done' && item.result === 'missing' && selectUrl ? { selectUrl } : {}),
        };
      }),
    };
  }

  private async load(organizationId: string): Promise<RestoreJob | null> {
    return new JobStateStore(this.db).get<RestoreJob>(keyOf(organizationId));
  }

  private async save(job: RestoreJob) {
    await new JobStateStore(this.db).put(keyOf(job.organizationId), job);
    stateChanged(this.db);
  }
}
