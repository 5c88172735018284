import type { Database } from '../db/database.js';
import type { EventTarget } from '../db/schema/index.js';
import type { Logger } from '../logger.js';
import type { EventEndpoint, EventEndpointStore } from '../stores/event-endpoint-store.js';
import { EventOutboxStore, type OutboxRow, targetKey } from '../stores/event-outbox-store.js';
import { WriteBatcher } from '../webhooks/write-batcher.js';
import { signedHeaders } from './event-signer.js';
import type { LocalHandlers } from './local-handlers.js';
import type { ProductEvent } from './product-event.js';
import { defaultRetrySchedule, nextAttempt, type RetrySchedule } from './retry-schedule.js';

export interface DispatcherOptions {
  /** the deployment's own endpoint (HUBGATE_EVENTS_URL, HUBGATE_EVENTS_SECRET), beside each tenant's */
  deployment?: { url: string; secrets: string[] } | null;
  schedule?: Partial<RetrySchedule>;
  /** how long a replica holds a row it sends before another may take it (default 60 s) */
  leaseMs?: number;
  /** how often the outbox is looked at when nothing wakes the dispatcher (default 1 s) */
  pollMs?: number;
  /** sends in flight per endpoint (default 8): a slow endpoint holds only its own */
  perTargetConcurrency?: number;
  /** one attempt waits at most this long for the answer (default 10 s) */
  timeoutMs?: number;
  /** delivered rows are kept this long for the settings page, then pruned (default 7 days) */
  keepDeliveredMs?: number;
}

type Outcome = { ok: true; status: number | null } | { ok: false; status: number | null; error: string; dead?: boolean };

/**
 * Sends the outbox (docs/events.md): every replica runs one; rows are leased, so replicas share the work and one that
 * dies mid-send leaves its rows to the others once the lease has passed (at least once: the receiver deduplicates by
 * `webhook-id`). Each target sees a repository's events in order, one at a time; targets are independent, each with
 * its own concurrency, so one slow or dead endpoint delays only its own tenant.
 */
export class EventDispatcher {
  private readonly outbox: EventOutboxStore;
  private readonly schedule: RetrySchedule;
  private readonly inFlight = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private stopped = true;
  private lastPrune = 0;
  /** the rows delivered together are marked by one update per answer status */
  private readonly deliveries: WriteBatcher<{ id: number; status: number | null }, void>;
  /** each tenant's endpoint, read at most once a second (a change shows within a second) */
  private readonly endpointCache = new Map<string, { at: number; endpoint: Promise<EventEndpoint | null> }>();

  constructor(
    db: Database,
    private readonly local: LocalHandlers,
    private readonly endpoints: EventEndpointStore,
    /** for tenants' endpoints: the outbound guard (https, public addresses only, unless the operator allows the host) */
    private readonly tenantFetch: typeof fetch,
    private readonly deploymentFetch: typeof fetch,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: DispatcherOptions = {},
  ) {
    this.outbox = new EventOutboxStore(db);
    this.schedule = { ...defaultRetrySchedule, ...options.schedule };
    this.deliveries = new WriteBatcher<{ id: number; status: number | null }, void>(async (items) => {
      const byStatus = new Map<number | null, number[]>();
      for (const item of items) byStatus.set(item.status, [...(byStatus.get(item.status) ?? []), item.id]);
      const now = this.now();
      for (const [status, ids] of byStatus) await this.outbox.delivered(ids, now, status);
      return items.map(() => undefined);
    });
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks at the outbox now (called when rows were just added). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.tick();
  }

  /** The tenant's endpoint changed here (this replica sees it at once; the others within a second). */
  endpointChanged(organizationId: string): void {
    this.endpointCache.delete(organizationId);
    this.wake();
  }

  /** Stops taking rows and waits for the sends under way (their rows are finished, not left leased). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  /** Resolves once nothing is due or in flight (tests). */
  async drain(): Promise<void> {
    for (;;) {
      while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
      if ((await this.takeAndSend()) === 0 && this.sending.size === 0) return;
    }
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      do {
        this.again = false;
        await this.takeAndSend();
      } while (this.again && !this.stopped);
      if (Date.now() - this.lastPrune > 3_600_000) {
        this.lastPrune = Date.now();
        await this.outbox.prune(new Date(this.now().getTime() - (this.options.keepDeliveredMs ?? 7 * 86_400_000)));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'event outbox: taking rows failed');
    } finally {
      this.ticking = false;
      if (!this.stopped) this.timer = setTimeout(() => this.wake(), this.options.pollMs ?? 1_000).unref();
    }
  }

  private async takeAndSend(): Promise<number> {
    const limit = this.options.perTargetConcurrency ?? 8;
    const busy = new Set([...this.inFlight].filter(([, n]) => n >= limit).map(([key]) => key));
    const now = this.now();
    const rows = await this.outbox.take(now, new Date(now.getTime() + (this.options.leaseMs ?? 60_000)), 32, busy);
    for (const row of rows) {
      const key = targetKey(row.target, row.organizationId);
      this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
      const sent: Promise<void> = this.send(row).finally(() => {
        this.inFlight.set(key, this.inFlight.get(key)! - 1);
        this.sending.delete(sent);
        // The next row of the repository is due now that this one is finished.
        this.wake();
      });
      this.sending.add(sent);
    }
    return rows.length;
  }

  private async send(row: OutboxRow): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.attempt(row);
    } catch (error) {
      outcome = { ok: false, status: null, error: (error as Error).message };
    }
    try {
      if (outcome.ok) {
        await this.deliveries.add({ id: row.id, status: outcome.status });
        return;
      }
      const next = outcome.dead ? null : nextAttempt(this.schedule, row.attempts + 1, row.createdAt, this.now());
      await this.outbox.failed(row.id, next, outcome.status, outcome.error);
      this.logger.warn(
        { event: row.event, deliveryId: row.deliveryId, target: row.target, status: outcome.status, attempts: row.attempts + 1, dead: next === null },
        next ? 'event delivery failed; it is tried again' : 'event delivery failed for good: a dead letter now',
      );
    } catch (error) {
      // The row stays leased and is taken again once the lease has passed.
      this.logger.warn({ err: error, deliveryId: row.deliveryId }, 'event outbox: recording an attempt failed');
    }
  }

  private async attempt(row: OutboxRow): Promise<Outcome> {
    const event = row.payload as unknown as ProductEvent;
    if (row.target === 'local') {
      await this.local.dispatch(event);
      return { ok: true, status: null };
    }
    const endpoint = await this.endpointOf(row.target, row.organizationId);
    if (!endpoint) return { ok: false, status: null, error: 'The endpoint was removed.', dead: true };
    const body = JSON.stringify({
      type: `github.${row.event}${row.action ? `.${row.action}` : ''}`,
      timestamp: row.createdAt.toISOString(),
      data: event,
    });
    const fetchImpl = row.target === 'tenant' ? this.tenantFetch : this.deploymentFetch;
    const answer = await fetchImpl(endpoint.url, {
      method: 'POST',
      headers: signedHeaders(row.deliveryId, body, endpoint.secrets, this.now()),
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    await answer.body?.cancel().catch(() => {});
    if (answer.status >= 200 && answer.status < 300) return { ok: true, status: answer.status };
    return { ok: false, status: answer.status, error: `The endpoint answered ${answer.status}.` };
  }

  private async endpointOf(target: EventTarget, organizationId: string) {
    if (target === 'deployment') return this.options.deployment ?? null;
    let cached = this.endpointCache.get(organizationId);
    if (!cached || Date.now() - cached.at >= 1_000) {
      const endpoint = this.endpoints.get(organizationId, this.now()).catch((error: unknown) => {
        this.endpointCache.delete(organizationId);
        throw error;
      });
      cached = { at: Date.now(), endpoint };
      this.endpointCache.set(organizationId, cached);
    }
    const endpoint = await cached.endpoint;
    // The previous secret stops signing when its day is over, cached or not.
    if (endpoint?.previousUntil && endpoint.previousUntil <= this.now()) return { ...endpoint, secrets: endpoint.secrets.slice(0, 1) };
    return endpoint;
  }
}
