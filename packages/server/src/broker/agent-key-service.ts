import type { Database } from '../db/database.js';
import type { AgentKey, CreateAgentKeyBody, CreatedAgentKey, RevokedAgentKey } from '@hubgate/contract';
import { AppError } from '../errors/app-error.js';
import type { AgentPrincipal, TenantUser } from '../identity/principal.js';
import { type AgentKeyRow, AgentKeyStore } from '../stores/agent-key-store.js';
import { AuditStore } from '../stores/audit-store.js';
import { inTransaction } from '../stores/transaction.js';
import { checkGrantProjects, describeGrant, grantOf, maxKeyLifetimeMs } from './agent-grant.js';
import { agentKeyHash, newAgentKeySecret } from './agent-key-secret.js';
import { lastUsedResolutionMs, type TokenBroker } from './token-broker.js';

/** Live keys per tenant: one per runner pool or worker kind is the use; thousands would be a leak waiting. */
export const maxLiveKeysPerTenant = 100;

export { lastUsedResolutionMs };

/** `AgentKey` of the API contract (@hubgate/contract). */
export type AgentKeyView = AgentKey;

export const agentKeyView = (row: AgentKeyRow): AgentKeyView => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
  expiresAt: row.expiresAt?.toISOString() ?? null,
  grant: row.grant,
});

/**
 * The tenants' agent keys: created by admins with a grant (the key is returned once and only its hash is kept),
 * listed, revoked (with every token the key holds), and checked on every broker call against the database, so a
 * revocation holds on every replica at once (no process remembers a key as valid).
 */
export class AgentKeyService {
  private readonly keys: AgentKeyStore;

  constructor(
    private readonly db: Database,
    private readonly broker: TokenBroker,
    private readonly now: () => Date,
  ) {
    this.keys = new AgentKeyStore(db);
  }

  async create(admin: TenantUser, body: CreateAgentKeyBody): Promise<CreatedAgentKey> {
    const grant = grantOf(body.grant);
    const now = this.now();
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && (expiresAt <= now || expiresAt.getTime() - now.getTime() > maxKeyLifetimeMs))
      throw new AppError('bad_request', 'expiresAt: must be in the future and at most a year ahead', { details: { field: 'expiresAt' } });
    const secret = newAgentKeySecret();
    const row = await inTransaction(this.db, async (tx) => {
      const store = new AgentKeyStore(tx);
      if ((await store.countLive(admin.organizationId, now)) >= maxLiveKeysPerTenant)
        throw new AppError('conflict', `Your organization has ${maxLiveKeysPerTenant} live agent keys; revoke unused ones first.`);
      await checkGrantProjects(store, admin.organizationId, grant);
      const created = await store.insert({
        organizationId: admin.organizationId,
        name: body.name,
        prefix: secret.prefix,
        keyHash: secret.hash,
        createdBy: admin.userId,
        createdAt: now,
        grant,
        expiresAt,
      });
      await new AuditStore(tx).record({
        organizationId: admin.organizationId,
        actor: admin.userId,
        action: 'agent_key.created',
        target: `agent_key:${created.id}`,
        detail: { name: body.name, prefix: secret.prefix, grant, grantText: describeGrant(grant), expiresAt: expiresAt?.toISOString() ?? null },
      });
      return created;
    });
    return { ...agentKeyView(row), key: secret.key };
  }

  async list(organizationId: string): Promise<AgentKeyView[]> {
    return (await this.keys.list(organizationId, 'key')).map(agentKeyView);
  }

  /**
   * Revokes the tenant's key and every live token it holds (at GitHub, in every cache tier; other replicas cannot
   * serve them again, since the key no longer authenticates); another tenant's key id, or an unknown one, is a 404.
   */
  async revoke(admin: TenantUser, id: string): Promise<RevokedAgentKey> {
    const tokens = await inTransaction(this.db, async (tx) => {
      const revoked = await new AgentKeyStore(tx).revoke(admin.organizationId, id, this.now());
      if (!revoked) throw new AppError('not_found', 'There is no such agent key here, or it is already revoked.');
      const taken = await this.broker.takeTokensOfKeys(tx, [id]);
      await new AuditStore(tx).record({
        organizationId: admin.organizationId,
        actor: admin.userId,
        action: 'agent_key.revoked',
        target: `agent_key:${id}`,
        detail: { name: revoked.name, prefix: revoked.prefix, tokens: taken.length },
      });
      return taken;
    });
    const count = await this.broker.finishRevocation(tokens, admin.userId, 'key_revoked');
    return { revoked: true, ...count };
  }

  /** The agent a presented key belongs to, or null for an unknown, revoked or expired key (the caller answers 401). */
  async authenticate(presented: string): Promise<AgentPrincipal | null> {
    const hash = agentKeyHash(presented);
    if (!hash) return null;
    const row = await this.keys.byHash(hash);
    const now = this.now();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) {
      await this.keys.touch(row.id, now, new Date(now.getTime() - lastUsedResolutionMs));
    }
    return { kind: 'agent', keyId: row.id, organizationId: row.organizationId, name: row.name };
  }
}
