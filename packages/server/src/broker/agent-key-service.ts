import type { Database } from '../db/database.js';
import type { AgentKey, CreatedAgentKey } from '../http/api-contract.js';
import { AppError } from '../errors/app-error.js';
import type { AgentPrincipal, TenantUser } from '../identity/principal.js';
import { type AgentKeyRow, AgentKeyStore } from '../stores/agent-key-store.js';
import { AuditStore } from '../stores/audit-store.js';
import { inTransaction } from '../stores/transaction.js';
import { agentKeyHash, newAgentKeySecret } from './agent-key-secret.js';

/** Live keys per tenant: one per runner pool or worker kind is the use; thousands would be a leak waiting. */
export const maxLiveKeysPerTenant = 100;

/** `lastUsedAt` is written at most this often per key: a busy agent costs one write a minute, not one a call. */
export const lastUsedResolutionMs = 60_000;

/** `AgentKey` of the API contract (http/api-contract.ts). */
export type AgentKeyView = AgentKey;

export const agentKeyView = (row: AgentKeyRow): AgentKeyView => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/**
 * The tenants' agent keys: created by admins (the key is returned once and only its hash is kept), listed,
 * revoked, and checked on every broker call against the database, so a revocation holds on every replica at
 * once (no process remembers a key as valid).
 */
export class AgentKeyService {
  private readonly keys: AgentKeyStore;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {
    this.keys = new AgentKeyStore(db);
  }

  async create(admin: TenantUser, name: string): Promise<CreatedAgentKey> {
    const secret = newAgentKeySecret();
    const row = await inTransaction(this.db, async (tx) => {
      const store = new AgentKeyStore(tx);
      if ((await store.countLive(admin.organizationId)) >= maxLiveKeysPerTenant)
        throw new AppError('conflict', `Your organization has ${maxLiveKeysPerTenant} live agent keys; revoke unused ones first.`);
      const created = await store.insert({
        organizationId: admin.organizationId,
        name,
        prefix: secret.prefix,
        keyHash: secret.hash,
        createdBy: admin.userId,
        createdAt: this.now(),
      });
      await new AuditStore(tx).record({
        organizationId: admin.organizationId,
        actor: admin.userId,
        action: 'agent_key.created',
        target: `agent_key:${created.id}`,
        detail: { name, prefix: secret.prefix },
      });
      return created;
    });
    return { ...agentKeyView(row), key: secret.key };
  }

  async list(organizationId: string): Promise<AgentKeyView[]> {
    return (await this.keys.list(organizationId)).map(agentKeyView);
  }

  /** Revokes the tenant's key; another tenant's key id, or an unknown one, is a 404 (the same answer). */
  async revoke(admin: TenantUser, id: string): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      const revoked = await new AgentKeyStore(tx).revoke(admin.organizationId, id, this.now());
      if (!revoked) throw new AppError('not_found', 'There is no such agent key here, or it is already revoked.');
      await new AuditStore(tx).record({
        organizationId: admin.organizationId,
        actor: admin.userId,
        action: 'agent_key.revoked',
        target: `agent_key:${id}`,
        detail: { name: revoked.name, prefix: revoked.prefix },
      });
    });
  }

  /** The agent a presented key belongs to, or null for an unknown or revoked key (the caller answers 401). */
  async authenticate(presented: string): Promise<AgentPrincipal | null> {
    const hash = agentKeyHash(presented);
    if (!hash) return null;
    const row = await this.keys.byHash(hash);
    if (!row || row.revokedAt) return null;
    const now = this.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) {
      await this.keys.touch(row.id, now, new Date(now.getTime() - lastUsedResolutionMs));
    }
    return { kind: 'agent', keyId: row.id, organizationId: row.organizationId, name: row.name };
  }
}
