import { sql } from 'drizzle-orm';
import type { AppRegistry } from '../apps/app-registry.js';
import type { GitHubApp } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import type { InstallationLifecycle } from '../installations/installation-lifecycle.js';
import { listReachable } from '../installations/list-reachable.js';
import type { Logger } from '../logger.js';
import { JobStateStore } from '../stores/job-state-store.js';
import { AuditStore } from '../stores/audit-store.js';
import { type InstallationRow, InstallationStore } from '../stores/installation-store.js';
import { RepoStore } from '../stores/repo-store.js';
import { TokenRevocationStore } from '../stores/token-revocation-store.js';
import { WebhookDeliveryStore } from '../stores/webhook-delivery-store.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import type { WebhookReceiver } from '../webhooks/webhook-receiver.js';
import type { ReconcileMetrics } from './reconcile-metrics.js';

export interface ReconcileOptions {
  /** only this tenant (the admin action, `hubgate reconcile --org`) */
  organizationId?: string;
}

export interface ReconcileReport {
  status: 'done' | 'stopped_early' | 'skipped';
  installationsChecked: number;
  changes: { kind: string; organizationId: string; target: string }[];
  redelivered: number;
  reapplied: number;
  /** tokens GitHub had not confirmed revoked at a disconnect, revoked now */
  revocationsRetried?: number;
}

interface JobData {
  /** installation ids still to check after a run stopped early for the rate limit */
  pending?: number[];
  /** when deliveries were last listed */
  lastDeliveriesCheck?: string;
  /** GUIDs already asked again (the newest 500), so an overlapping listing asks nothing twice */
  asked?: string[];
}

const lockId = 72_120_034;
const jobName = 'reconcile';
/** stop before GitHub's budget gets thin: the app's own requests (tokens, connects) must keep working */
const defaultMinRemaining = 200;
const actor = { organizationId: null, actor: 'reconcile' };

/**
 * Compares stored state with GitHub's and mends it through the lifecycle service: installations gone, suspended,
 * renamed, lacking permissions; project repositories reachable, missing, deleted, renamed, moved; failed webhook
 * deliveries asked again and deliveries stored here as received or failed applied again. One replica at a time
 * (a PostgreSQL advisory lock), within a rate budget, resuming where a stopped run left off.
 */
export class ReconcileJob {
  constructor(
    private readonly db: Database,
    private readonly dbKind: 'pglite' | 'postgres',
    private readonly apps: AppRegistry,
    private readonly lifecycle: InstallationLifecycle,
    private readonly receiver: WebhookReceiver,
    private readonly metrics: ReconcileMetrics,
    private readonly sealer: SecretSealer,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: { minRemaining?: number } = {},
  ) {}

  /** Runs once, or reports `skipped` when another replica holds the lock. */
  async run(options: ReconcileOptions = {}): Promise<ReconcileReport> {
    const started = performance.now();
    const report = await this.underLock(options.organizationId, () => this.work(options));
    this.metrics.runs.inc({ outcome: report.status });
    this.metrics.duration.observe((performance.now() - started) / 1000);
    return report;
  }

  /**
   * PostgreSQL: a transaction-scoped advisory lock held on its own connection for the run (released however the
   * run ends). PGlite has one process, so a flag in this process is the lock. A tenant's run (the admin action)
   * takes its own lock, one per tenant (the two-key form, which never conflicts with the fleet's one-key lock), so
   * no tenant's runs can keep the fleet's from running, nor another tenant's.
   */
  private readonly running = new Set<string>();
  private async underLock(organizationId: string | undefined, work: () => Promise<ReconcileReport>): Promise<ReconcileReport> {
    const skipped: ReconcileReport = { status: 'skipped', installationsChecked: 0, changes: [], redelivered: 0, reapplied: 0 };
    const flag = organizationId ? `tenant:${organizationId}` : 'fleet';
    if (this.running.has(flag)) return skipped;
    this.running.add(flag);
    try {
      if (this.dbKind === 'pglite') return await work();
      return await this.db.transaction(async (tx) => {
        const result = await tx.execute(
          organizationId
            ? sql`select pg_try_advisory_xact_lock(${lockId}, hashtext(${organizationId})) as locked`
            : sql`select pg_try_advisory_xact_lock(${lockId}) as locked`,
        );
        const rows = (result as unknown as { rows: { locked: boolean }[] }).rows;
        if (!rows[0]?.locked) return skipped;
        return work();
      });
    } finally {
      this.running.delete(flag);
    }
  }

  private async work(options: ReconcileOptions): Promise<ReconcileReport> {
    const report: ReconcileReport = { status: 'done', installationsChecked: 0, changes: [], redelivered: 0, reapplied: 0 };
    const state = await this.loadState();
    let rows = await new InstallationStore(this.db).allLive();
    if (options.organizationId) rows = rows.filter((r) => r.organizationId === options.organizationId);
    // A run that stopped early resumes with the installations it had not reached.
    if (!options.organizationId && state.pending?.length) {
      const pending = new Set(state.pending);
      rows = [...rows.filter((r) => pending.has(r.installationId)), ...rows.filter((r) => !pending.has(r.installationId))];
    }
    const remaining = [...rows];
    while (remaining.length > 0) {
      const row = remaining[0]!;
      const app = await this.apps.byKey(row.appKey).catch(() => null);
      if (app && this.budgetLow(app)) {
        report.status = 'stopped_early';
        break;
      }
      remaining.shift();
      if (!app) continue;
      try {
        await this.checkInstallation(app, row, report);
        report.installationsChecked++;
      } catch (error) {
        this.logger.warn({ err: error, installationId: row.installationId }, 'reconcile could not check an installation');
      }
    }
    if (!options.organizationId) {
      if (report.status === 'done') report.redelivered = await this.redeliverFailed(state).catch((error) => {
        this.logger.warn({ err: error }, 'reconcile could not list webhook deliveries');
        return 0;
      });
      report.reapplied = await this.receiver.resumeUnfinished();
      report.revocationsRetried = await this.retryRevocations();
      // GitHub keeps deliveries 30 days: past that no redelivery can come, so their rows can go.
      await new WebhookDeliveryStore(this.db).prune(new Date(this.now().getTime() - 30 * 86_400_000));
      await this.saveState({ ...state, pending: remaining.map((r) => r.installationId) });
    }
    for (const change of report.changes) this.metrics.changes.inc({ kind: change.kind });
    return report;
  }

  private budgetLow(app: GitHubApp): boolean {
    const last = app.rateLimit;
    const floor = this.options.minRemaining ?? defaultMinRemaining;
    return last !== null && last.remaining < floor && last.resetAt > this.now().getTime();
  }

  private async checkInstallation(app: GitHubApp, row: InstallationRow, report: ReconcileReport) {
    const note = (kind: string, target: string) => report.changes.push({ kind, organizationId: row.organizationId, target });
    const info = await app.installationOrNull(row.installationId);
    if (!info) {
      await this.lifecycle.uninstalled(row, actor);
      note('installation_gone', String(row.installationId));
      return;
    }
    const suspendedAt = info.suspended_at ? new Date(info.suspended_at) : null;
    if ((suspendedAt === null) !== (row.suspendedAt === null)) {
      await this.lifecycle.suspended(row, suspendedAt, actor);
      note(suspendedAt ? 'installation_suspended' : 'installation_unsuspended', String(row.installationId));
    }
    const changed = await this.lifecycle.refreshDetails({ ...row, suspendedAt }, info, actor);
    for (const field of changed)
      if (field === 'accountLogin') note('account_renamed', info.account.login);
      else if (field === 'permissions') note('permissions_changed', String(row.installationId));
      else if (field === 'repositorySelection') note('selection_changed', String(row.installationId));
    if (!suspendedAt) await this.checkRepositories(app, { ...row, repositorySelection: info.repository_selection, accountId: info.account.id }, note);
  }

  /**
   * Every project repository by GitHub id against what the installation reaches (`GET /installation/repositories`):
   * listed → reachable (its current name taken: a rename found without a webhook; another owner → moved); not
   * listed → on "All repositories" it is gone (deleted, or transferred away: GitHub does not tell apps which), on
   * "Only select repositories" it is missing (GitHub does not tell a deselected repository from a deleted one).
   */
  private async checkRepositories(app: GitHubApp, row: InstallationRow, note: (kind: string, target: string) => void) {
    const store = new RepoStore(this.db);
    const projects = (await store.list(row.organizationId)).filter((p) => p.githubRepoId !== null && p.appKey === row.appKey);
    if (projects.length === 0) return;
    const reachable = await listReachable(app, row.installationId);
    const now = this.now();
    const audit = new AuditStore(this.db);
    for (const project of projects) {
      const found = reachable.get(project.githubRepoId!);
      let next = project.accessState;
      let fullName = project.fullName;
      if (found) {
        next = found.ownerId === row.accountId ? 'reachable' : 'moved';
        if (found.fullName !== project.fullName) {
          fullName = found.fullName;
          note('repository_renamed', found.fullName);
        }
      } else {
        next = row.repositorySelection === 'all' ? 'deleted' : 'missing';
      }
      await store.update(row.organizationId, project.id, { accessState: next, fullName, checkedAt: now, recheckRequestedAt: null });
      if (next !== project.accessState) {
        note(`repository_${next}`, fullName ?? String(project.githubRepoId));
        await audit.record({
          organizationId: row.organizationId,
          actor: 'reconcile',
          action: 'repo.access_changed',
          target: String(project.githubRepoId),
          detail: { from: project.accessState, to: next },
        });
      }
    }
  }

  /** Tokens a disconnect could not revoke (GitHub down): tried again until revoked or expired. */
  private async retryRevocations(): Promise<number> {
    const store = new TokenRevocationStore(this.db, this.sealer);
    await store.pruneExpired(this.now());
    let revoked = 0;
    for (const { row, token } of await store.pending(this.now())) {
      const app = await this.apps.byKey(row.appKey).catch(() => null);
      if (!app || !token) {
        await store.done(row.id);
        continue;
      }
      if (await app.tokens.revokeToken(token).catch(() => false)) {
        await store.done(row.id);
        revoked++;
      } else await store.failedAgain(row.id, row.attempts + 1, 'GitHub did not confirm the revocation');
    }
    return revoked;
  }

  /**
   * GitHub never retries a failed delivery by itself: ask again for each failed one not applied here. The listing is
   * not filtered with `status=failure`: GitHub documents that filter as status codes 400-599, which leaves out the
   * deliveries that never got an HTTP answer (status code 0: the service was down), the ones that matter most.
   * `delivered_at` has whole seconds, so listings overlap by five minutes and remembered GUIDs prevent repeats.
   */
  private async redeliverFailed(state: JobData): Promise<number> {
    const since = state.lastDeliveriesCheck ? new Date(state.lastDeliveriesCheck).getTime() - 5 * 60_000 : 0;
    const asked = new Set(state.asked ?? []);
    const checkedAt = this.now().toISOString();
    const deliveries = new WebhookDeliveryStore(this.db);
    let count = 0;
    for (const app of this.apps.all()) {
      let cursor: string | undefined;
      pages: for (let page = 0; page < 20; page++) {
        const { data, headers } = await app.asApp<{ id: number; guid: string; delivered_at: string; redelivery: boolean; status_code: number }[]>(
          'GET /app/hook/deliveries',
          { per_page: 100, ...(cursor ? { cursor } : {}) },
        );
        // Newest first: the page that reaches the last check still has newer deliveries to look at before stopping.
        const fresh = data.filter((d) => new Date(d.delivered_at).getTime() >= since);
        for (const d of fresh) {
          if (d.status_code >= 200 && d.status_code < 400) asked.add(d.guid); // delivered, maybe as a redelivery
        }
        for (const d of fresh) {
          if (d.redelivery || asked.has(d.guid) || (d.status_code >= 200 && d.status_code < 400)) continue;
          const here = await deliveries.get(d.guid);
          if (here && (here.status === 'applied' || here.status === 'ignored')) continue;
          asked.add(d.guid);
          await app.asApp('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: d.id });
          count++;
          this.metrics.redelivered.inc();
        }
        if (fresh.length < data.length) break pages;
        cursor = /[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"/.exec(headers.link ?? '')?.[1];
        if (!cursor) break;
      }
    }
    state.lastDeliveriesCheck = checkedAt;
    state.asked = [...asked].slice(-500);
    return count;
  }

  private async loadState(): Promise<JobData> {
    return (await new JobStateStore(this.db).get<JobData>(jobName)) ?? {};
  }

  private async saveState(data: JobData) {
    await new JobStateStore(this.db).put(jobName, data);
  }
}
