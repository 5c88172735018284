import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type EventTarget, eventEndpoints, repos } from '../db/schema/index.js';
import type { NewOutboxRow } from '../stores/event-outbox-store.js';
import type { WebhookEnvelope } from '../webhooks/webhook-request.js';
import type { LocalHandlers } from './local-handlers.js';
import { lifecycleOnlyEvents, type ProductEvent } from './product-event.js';

/** Where a verified delivery goes: hubgate's own lifecycle only, dropped unstored, or the product too (these rows). */
export type IntakeScope = { kind: 'lifecycle' } | { kind: 'dropped' } | { kind: 'product'; rows: NewOutboxRow[] };

/** `repository` events also change hubgate's own view of its projects: kept even when they are no project's. */
const alsoLifecycle = new Set(['repository']);

/**
 * The filter in front of storage (docs/events.md): an event of a repository that is no tenant's project (an
 * installation on "All repositories" sees the customer's whole codebase) is dropped before anything is written; an
 * event of a project repository becomes one outbox row per target of the project's tenant.
 */
export class EventIntake {
  constructor(
    private readonly db: Database,
    private readonly local: LocalHandlers,
    private readonly deploymentEndpoint: boolean,
  ) {}

  async scope(envelope: WebhookEnvelope, foundBy: 'webhook' | 'reconcile' = 'webhook'): Promise<IntakeScope> {
    if (lifecycleOnlyEvents.has(envelope.event)) return { kind: 'lifecycle' };
    const repository = envelope.payload.repository as { id?: unknown } | undefined;
    const repoId = typeof repository?.id === 'number' ? repository.id : null;
    if (repoId === null) return alsoLifecycle.has(envelope.event) ? { kind: 'lifecycle' } : { kind: 'dropped' };
    const projects = await this.db
      .select({ id: repos.id, organizationId: repos.organizationId, slug: repos.slug, name: repos.name, fullName: repos.fullName })
      .from(repos)
      .where(and(eq(repos.appKey, envelope.appKey), eq(repos.githubRepoId, repoId)));
    if (projects.length === 0) return alsoLifecycle.has(envelope.event) ? { kind: 'lifecycle' } : { kind: 'dropped' };
    const withEndpoint = new Set(
      (
        await this.db
          .select({ organizationId: eventEndpoints.organizationId })
          .from(eventEndpoints)
          .where(inArray(eventEndpoints.organizationId, [...new Set(projects.map((p) => p.organizationId))]))
      ).map((r) => r.organizationId),
    );
    const rows: NewOutboxRow[] = [];
    for (const project of projects) {
      const targets: EventTarget[] = [];
      if (this.local.any) targets.push('local');
      if (withEndpoint.has(project.organizationId)) targets.push('tenant');
      if (this.deploymentEndpoint) targets.push('deployment');
      const body: Omit<ProductEvent, 'payload'> & { payload: Record<string, unknown> } = {
        id: envelope.deliveryId,
        event: envelope.event,
        action: envelope.action,
        foundBy,
        tenant: { organizationId: project.organizationId },
        project: { id: project.id, slug: project.slug, name: project.name, fullName: project.fullName, githubRepoId: repoId },
        payload: envelope.payload,
      };
      for (const target of targets)
        rows.push({
          organizationId: project.organizationId,
          target,
          projectId: project.id,
          githubRepoId: repoId,
          deliveryId: envelope.deliveryId,
          event: envelope.event,
          action: envelope.action,
          foundBy,
          payload: body as unknown as Record<string, unknown>,
        });
    }
    return { kind: 'product', rows };
  }
}
