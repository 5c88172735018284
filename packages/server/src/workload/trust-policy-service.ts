import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { CreateTrustPolicyBody, TrustPolicy, TrustPolicyList } from '@hubgate/contract';
import type { TenantUser } from '../identity/principal.js';
import { sha256 } from '../sealing/sha256.js';
import { AgentKeyStore } from '../stores/agent-key-store.js';
import { AuditStore } from '../stores/audit-store.js';
import { inTransaction } from '../stores/transaction.js';
import { type TrustPolicyWithKey, TrustPolicyStore } from '../stores/trust-policy-store.js';
import { checkGrantProjects, describeGrant, grantOf } from '../broker/agent-grant.js';
import type { TokenBroker } from '../broker/token-broker.js';
import { tenantAudience } from './tenant-audience.js';
import { checkIssuerUrl, checkPolicyPins } from './trust-policy-rules.js';
import type { TrustPolicyCache } from './trust-policy-cache.js';

export const maxPoliciesPerTenant = 50;


export const trustPolicyView = (row: TrustPolicyWithKey, audience: string): TrustPolicy => ({
  id: row.id,
  name: row.name,
  issuer: row.issuer,
  audience,
  subject: row.subject,
  claims: row.claims,
  grant: row.grant,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
});

/**
 * Trust policies: admins create and delete them, members read them. Each holds its grant on an agent key of purpose
 * `trust_policy` whose secret is drawn and dropped at once (nothing can present it), so the broker hands out, leases
 * and revokes exchanged tokens by the same code as agent keys', the kill switch included.
 */
export class TrustPolicyService {
  constructor(
    private readonly db: Database,
    private readonly broker: TokenBroker,
    private readonly publicUrl: string,
    private readonly allowedPrivateHosts: readonly string[],
    private readonly now: () => Date,
    private readonly cache?: TrustPolicyCache,
  ) {}

  async list(organizationId: string): Promise<TrustPolicyList> {
    const audience = tenantAudience(this.publicUrl, organizationId);
    const rows = await new TrustPolicyStore(this.db).live(organizationId);
    return { audience, policies: rows.map((row) => trustPolicyView(row, audience)) };
  }

  async create(admin: TenantUser, body: CreateTrustPolicyBody): Promise<TrustPolicy> {
    const issuerUrl = checkIssuerUrl(body.issuer, this.allowedPrivateHosts);
    const claims = body.claims ?? {};
    checkPolicyPins(issuerUrl, body.subject, claims);
    const grant = grantOf(body.grant);
    const now = this.now();
    const row = await inTransaction(this.db, async (tx) => {
      const policies = new TrustPolicyStore(tx);
      if ((await policies.countLive(admin.organizationId)) >= maxPoliciesPerTenant)
        throw new AppError('conflict', `Your organization has ${maxPoliciesPerTenant} trust policies; delete unused ones first.`);
      const keys = new AgentKeyStore(tx);
      await checkGrantProjects(keys, admin.organizationId, grant);
      const key = await keys.insert({
        organizationId: admin.organizationId,
        name: `trust policy: ${body.name}`,
        prefix: 'policy',
        // A hash of a secret no one keeps: the broker finds the grant by it; no caller can present it.
        keyHash: sha256(`trust-policy:${randomBytes(32).toString('hex')}`),
        createdBy: admin.userId,
        createdAt: now,
        grant,
        purpose: 'trust_policy',
      });
      const policy = await policies.insert({
        organizationId: admin.organizationId,
        name: body.name,
        issuer: body.issuer,
        subject: body.subject,
        claims,
        keyId: key.id,
        createdBy: admin.userId,
        createdAt: now,
      });
      await new AuditStore(tx).record({
        organizationId: admin.organizationId,
        actor: admin.userId,
        action: 'trust_policy.created',
        target: `trust_policy:${policy.id}`,
        detail: { name: body.name, issuer: body.issuer, subject: body.subject, claims, grant, grantText: describeGrant(grant) },
      });
      return { ...policy, grant, keyHash: key.keyHash, lastUsedAt: null };
    });
    this.cache?.forget(admin.organizationId);
    return trustPolicyView(row, tenantAudience(this.publicUrl, admin.organizationId));
  }

  /** Deletes the tenant's policy and revokes every token exchanged under it; another tenant's id is a 404. */
  async delete(admin: TenantUser, id: string): Promise<{ deleted: true; tokensRevoked: number; tokensFailed: number }> {
    const tokens = await inTransaction(this.db, async (tx) => {
      const policy = await new TrustPolicyStore(tx).markDeleted(admin.organizationId, id, this.now());
      if (!policy) throw new AppError('not_found', 'There is no such trust policy here, or it is already deleted.');
      await new AgentKeyStore(tx).revoke(admin.organizationId, policy.keyId, this.now());
      const taken = await this.broker.takeTokensOfKeys(tx, [policy.keyId]);
      await new AuditStore(tx).record({
        organizationId: admin.organizationId,
        actor: admin.userId,
        action: 'trust_policy.deleted',
        target: `trust_policy:${id}`,
        detail: { name: policy.name, tokens: taken.length },
      });
      return taken;
    });
    this.cache?.forget(admin.organizationId);
    const count = await this.broker.finishRevocation(tokens, admin.userId, 'trust_policy_deleted');
    return { deleted: true, ...count };
  }
}
