import type { EventDelivery, EventEndpointSaved, EventSettings } from '@hubgate/contract';
import { inArray } from 'drizzle-orm';
import { checkOutboundUrl, type OutboundPolicy } from '../apps/outbound-guard.js';
import type { Database } from '../db/database.js';
import { repos } from '../db/schema/index.js';
import { AppError } from '../errors/app-error.js';
import type { TenantUser } from '../identity/principal.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { AuditStore } from '../stores/audit-store.js';
import { EventEndpointStore } from '../stores/event-endpoint-store.js';
import { EventOutboxStore, type OutboxRow } from '../stores/event-outbox-store.js';
import { newEventSecret } from './event-signer.js';

/** How long the previous secret still signs after a rotation, so the receiver can switch without losing events. */
export const rotationOverlapMs = 24 * 3_600_000;

/**
 * The tenant's event settings (docs/events.md): its endpoint and secret (shown once), the recent deliveries to it and
 * its dead letters, with "redeliver". Members read; admins change.
 */
export class EventSettingsService {
  private readonly endpoints: EventEndpointStore;
  private readonly outbox: EventOutboxStore;

  constructor(
    private readonly db: Database,
    sealer: SecretSealer,
    private readonly outbound: OutboundPolicy,
    private readonly deploymentEndpoint: boolean,
    private readonly now: () => Date,
    /** told when the tenant's endpoint changed, or a row became due (the dispatcher looks at once) */
    private readonly changed: (organizationId: string) => void,
  ) {
    this.endpoints = new EventEndpointStore(db, sealer);
    this.outbox = new EventOutboxStore(db);
  }

  async settings(organizationId: string): Promise<EventSettings> {
    const endpoint = await this.endpoints.get(organizationId, this.now());
    const targets = ['tenant', ...(this.deploymentEndpoint ? (['deployment'] as const) : [])] as ('tenant' | 'deployment')[];
    const [recent, dead] = await Promise.all([
      this.outbox.recent(organizationId, targets, 50),
      this.outbox.recent(organizationId, targets, 50, 'dead'),
    ]);
    const names = await this.projectNames([...recent, ...dead]);
    return {
      endpoint: endpoint
        ? {
            url: endpoint.url,
            previousSecretUntil: endpoint.previousUntil?.toISOString() ?? null,
            updatedBy: endpoint.updatedBy,
            updatedAt: endpoint.updatedAt.toISOString(),
          }
        : null,
      deploymentEndpoint: this.deploymentEndpoint,
      recent: recent.map((row) => view(row, names)),
      deadLetters: dead.map((row) => view(row, names)),
    };
  }

  /** Sets the endpoint's URL; a new endpoint gets its secret, shown in this answer only. */
  async saveEndpoint(user: TenantUser, url: string): Promise<EventEndpointSaved> {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) throw new AppError('unprocessable', 'url: must not carry a user name or password; the signature authenticates hubgate.', { details: { field: 'url' } });
    await checkOutboundUrl(parsed, this.outbound, undefined, 'events are posted').catch((error: AppError) => {
      throw new AppError('unprocessable', `url: ${error.message}`, {
        details: { field: 'url' },
      });
    });
    const existing = await this.endpoints.get(user.organizationId, this.now());
    const secret = existing ? null : newEventSecret();
    await this.endpoints.put(user.organizationId, { url: parsed.toString(), ...(secret ? { secret } : {}), by: user.userId });
    await this.audit(user, existing ? 'events.endpoint_changed' : 'events.endpoint_created', { url: parsed.origin });
    this.changed(user.organizationId);
    return { url: parsed.toString(), secret };
  }

  /** A new secret, shown once; the previous one signs beside it for a day. */
  async rotateSecret(user: TenantUser): Promise<EventEndpointSaved> {
    const existing = await this.endpoints.get(user.organizationId, this.now());
    if (!existing) throw new AppError('not_found', 'There is no event endpoint to rotate; set one first.');
    const secret = newEventSecret();
    await this.endpoints.put(user.organizationId, {
      url: existing.url,
      secret,
      previous: { secret: existing.secrets[0]!, until: new Date(this.now().getTime() + rotationOverlapMs) },
      by: user.userId,
    });
    await this.audit(user, 'events.secret_rotated', {});
    this.changed(user.organizationId);
    return { url: existing.url, secret };
  }

  async deleteEndpoint(user: TenantUser): Promise<{ deleted: boolean }> {
    const deleted = await this.endpoints.delete(user.organizationId);
    if (deleted) await this.audit(user, 'events.endpoint_deleted', {});
    this.changed(user.organizationId);
    return { deleted };
  }

  async redeliver(user: TenantUser, id: number): Promise<EventDelivery> {
    const row = await this.outbox.redeliver(user.organizationId, id, this.now());
    if (!row) throw new AppError('not_found', 'There is no such dead letter here; it may have been redelivered already.');
    await this.audit(user, 'events.redelivered', { deliveryId: row.deliveryId, event: row.event });
    this.changed(user.organizationId);
    return view(row, await this.projectNames([row]));
  }

  private async projectNames(rows: OutboxRow[]): Promise<Map<string, string>> {
    const ids = [...new Set(rows.map((r) => r.projectId))];
    if (ids.length === 0) return new Map();
    const found = await this.db.select({ id: repos.id, name: repos.name }).from(repos).where(inArray(repos.id, ids));
    return new Map(found.map((r) => [r.id, r.name]));
  }

  private audit(user: TenantUser, action: string, detail: Record<string, unknown>) {
    return new AuditStore(this.db).record({ organizationId: user.organizationId, actor: user.userId, action, detail });
  }
}

function view(row: OutboxRow, names: Map<string, string>): EventDelivery {
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    event: row.event,
    action: row.action,
    project: names.get(row.projectId) ?? 'a deleted project',
    foundBy: row.foundBy,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
  };
}
