import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { AgentTokenStore } from '../stores/agent-token-store.js';
import { AuditStore } from '../stores/audit-store.js';
import { tokenIssuedAction, type TokenBroker } from './token-broker.js';

export interface RetentionOptions {
  /** hand-out records (leases, issuance audit rows) older than this are deleted */
  retentionDays: number;
  /** rows per delete statement: small enough that no statement holds the broker up */
  batch?: number;
  /** statements per sweep at most (the next sweep goes on) */
  maxBatches?: number;
}

/**
 * The broker's housekeeping, on every replica once a minute (each step is safe to run twice at once):
 * - revokes the tokens of short-lived grants (`maxTokenLifetimeSeconds` < 1 h) once no lease of them is live, so a
 *   token stops working at GitHub within a minute of its last lease's end;
 * - prunes the hand-out log past its retention, and token rows a day after they expired, in small batches.
 */
export class BrokerRetention {
  private readonly tokens: AgentTokenStore;
  private readonly audit: AuditStore;
  private readonly batch: number;
  private readonly maxBatches: number;

  constructor(
    db: Database,
    private readonly broker: TokenBroker,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: RetentionOptions,
  ) {
    this.tokens = new AgentTokenStore(db);
    this.audit = new AuditStore(db);
    this.batch = options.batch ?? 2_000;
    this.maxBatches = options.maxBatches ?? 50;
  }

  async sweep(): Promise<{ revoked: number; pruned: number }> {
    const now = this.now();
    let revoked = 0;
    for (const hash of await this.tokens.unleasedShortLived(now, 500)) {
      const { revoke } = await this.tokens.endLease(hash, null, now, { endOne: false });
      if (revoke) revoked += (await this.broker.finishRevocation([revoke], 'hubgate', 'leases_ended')).tokensRevoked;
    }
    const before = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    const expiredBefore = new Date(now.getTime() - 86_400_000);
    let pruned = 0;
    for (let i = 0; i < this.maxBatches; i++) {
      const n = (await this.tokens.pruneBatch(before, expiredBefore, this.batch)) + (await this.audit.pruneBatch(tokenIssuedAction, before, this.batch));
      pruned += n;
      if (n === 0) break;
    }
    if (revoked + pruned > 0) this.logger.info({ revoked, pruned }, 'broker housekeeping');
    return { revoked, pruned };
  }
}
