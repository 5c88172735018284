import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { AppRegistry } from '../apps/app-registry.js';
import type { Database } from '../db/database.js';
import { eventOutbox, repos } from '../db/schema/index.js';
import type { Logger } from '../logger.js';
import { EventOutboxStore } from '../stores/event-outbox-store.js';
import { InstallationStore } from '../stores/installation-store.js';
import { JobStateStore } from '../stores/job-state-store.js';
import type { EventIntake } from './event-intake.js';

/** What the reconcile remembers per project repository: the head it last accounted for, and a new one it waits on. */
interface HeadState {
  sha: string;
  waiting?: { sha: string; since: number };
}

const zeroSha = '0000000000000000000000000000000000000000';

/**
 * Staleness bounded when GitHub is late (docs/events.md): for each reachable project repository, the head of its
 * default branch on GitHub is compared with the last push the product was given. A head no delivered push accounts
 * for, still unaccounted for after the bound, becomes a `push` of the reconcile's own (`found_by: "reconcile"`, id
 * `reconcile:<repository id>:<sha>`, the same on every replica, so it is added once). One scoped token per
 * installation and two light calls per repository (the repository, its branch ref) per run.
 */
export class EventReconcile {
  private running: Promise<number> | null = null;

  constructor(
    private readonly db: Database,
    private readonly apps: AppRegistry,
    private readonly intake: EventIntake,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly staleAfterMs: number,
    private readonly wake: () => void,
  ) {}

  /** One pass over every tenant; the number of pushes found. Runs once at a time per replica. */
  run(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<number> {
    let found = 0;
    for (const installation of await new InstallationStore(this.db).allLive()) {
      if (installation.suspendedAt) continue;
      const projects = await this.db
        .select({ githubRepoId: repos.githubRepoId, fullName: repos.fullName, organizationId: repos.organizationId })
        .from(repos)
        .where(
          and(
            eq(repos.organizationId, installation.organizationId),
            eq(repos.appKey, installation.appKey),
            eq(repos.accessState, 'reachable'),
            isNotNull(repos.githubRepoId),
            isNotNull(repos.fullName),
          ),
        );
      if (projects.length === 0) continue;
      try {
        const app = await this.apps.byKey(installation.appKey);
        const octokit = app.asInstallation({
          installationId: installation.installationId,
          repositoryIds: projects.map((p) => p.githubRepoId!),
          permissions: { contents: 'read', metadata: 'read' },
        });
        for (const project of projects) {
          try {
            if (await this.check(octokit, installation, project as { githubRepoId: number; fullName: string; organizationId: string })) found++;
          } catch (error) {
            this.logger.debug({ err: error, repository: project.fullName }, 'events reconcile: could not read the branch head');
          }
        }
      } catch (error) {
        this.logger.warn({ err: error, installationId: installation.installationId }, 'events reconcile: installation skipped');
      }
    }
    if (found > 0) this.wake();
    return found;
  }

  private async check(
    octokit: ReturnType<Awaited<ReturnType<AppRegistry['byKey']>>['asInstallation']>,
    installation: { appKey: string; installationId: number; organizationId: string },
    project: { githubRepoId: number; fullName: string; organizationId: string },
  ): Promise<boolean> {
    const [owner, name] = project.fullName.split('/') as [string, string];
    const { data: repo } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name });
    const ref = `refs/heads/${repo.default_branch}`;
    const { data: head } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner, repo: name, ref: `heads/${repo.default_branch}` });
    const sha = head.object.sha;
    const stateName = `events-head:${project.organizationId}:${project.githubRepoId}`;
    const jobs = new JobStateStore(this.db);
    const state = await jobs.get<HeadState>(stateName);
    const delivered = await this.lastPushed(project.organizationId, project.githubRepoId, ref);
    const now = this.now().getTime();
    if (sha === delivered || (!state && !delivered) || sha === state?.sha) {
      // Accounted for (or the first look at this repository: its head now is where the product starts).
      if (state?.sha !== sha || state.waiting) await jobs.put(stateName, { sha } satisfies HeadState);
      return false;
    }
    if (state?.waiting?.sha !== sha) {
      await jobs.put(stateName, { sha: state?.sha ?? delivered ?? zeroSha, waiting: { sha, since: now } } satisfies HeadState);
      return false;
    }
    if (now - state.waiting.since < this.staleAfterMs) return false;
    // GitHub has not delivered this push within the bound: the product gets the reconcile's own.
    const before = delivered ?? state.sha;
    const scope = await this.intake.scope(
      {
        appKey: installation.appKey,
        event: 'push',
        action: null,
        deliveryId: `reconcile:${project.githubRepoId}:${sha}`,
        installationId: installation.installationId,
        payload: {
          ref,
          before,
          after: sha,
          created: false,
          deleted: false,
          forced: false,
          commits: [],
          head_commit: null,
          found_by: 'reconcile',
          repository: { id: project.githubRepoId, full_name: repo.full_name, default_branch: repo.default_branch },
          installation: { id: installation.installationId },
        },
      },
      'reconcile',
    );
    if (scope.kind === 'product') await new EventOutboxStore(this.db).add(scope.rows);
    await jobs.put(stateName, { sha } satisfies HeadState);
    this.logger.info({ repository: repo.full_name, after: sha }, 'events reconcile: a push GitHub had not delivered, sent as found by reconcile');
    return true;
  }

  /** The `after` of the newest push of the ref the product was given (any target), if any is still kept. */
  private async lastPushed(organizationId: string, githubRepoId: number, ref: string): Promise<string | null> {
    const [row] = await this.db
      .select({ after: sql<string>`${eventOutbox.payload}->'payload'->>'after'` })
      .from(eventOutbox)
      .where(
        and(
          eq(eventOutbox.organizationId, organizationId),
          eq(eventOutbox.githubRepoId, githubRepoId),
          eq(eventOutbox.event, 'push'),
          sql`${eventOutbox.payload}->'payload'->>'ref' = ${ref}`,
        ),
      )
      .orderBy(desc(eventOutbox.id))
      .limit(1);
    return row?.after ?? null;
  }
}
