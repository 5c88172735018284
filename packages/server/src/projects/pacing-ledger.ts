import type { Database } from '../db/database.js';
import { JobStateStore, type Slot } from '../stores/job-state-store.js';

export type { Slot };

/**
 * Where the creation pace of each GitHub account is kept: the next free slot, and until when GitHub asked to
 * wait (a secondary limit's `retry-after`). GitHub counts per account, not per replica, so the fleet shares it.
 */
export interface PacingLedger {
  /** Takes the account's next slot (`minIntervalMs` after the last one taken), unless GitHub asked to wait. */
  reserve(account: string, minIntervalMs: number, now: number): Promise<Slot>;
  /** GitHub asked to wait until `until` (epoch ms): every replica holds back until then. */
  block(account: string, until: number): Promise<void>;
}

/** One process's ledger (tests on a manual clock; a process without a shared database). */
export class MemoryPacingLedger implements PacingLedger {
  private readonly next = new Map<string, number>();
  private readonly blocked = new Map<string, number>();

  async reserve(account: string, minIntervalMs: number, now: number): Promise<Slot> {
    const blockedUntil = this.blocked.get(account) ?? 0;
    if (blockedUntil > now) return { blockedUntil };
    const startAt = Math.max(this.next.get(account) ?? 0, now);
    this.next.set(account, startAt + minIntervalMs);
    return { startAt };
  }

  async block(account: string, until: number): Promise<void> {
    this.blocked.set(account, Math.max(this.blocked.get(account) ?? 0, until));
  }
}

/**
 * The fleet's ledger: one `job_state` row per account (`pace:<app key>:<account id>`), taken and advanced in one
 * upsert by the job-state store, so replicas never hand out the same slot.
 */
export class DatabasePacingLedger implements PacingLedger {
  private readonly store: JobStateStore;
  constructor(db: Database) {
    this.store = new JobStateStore(db);
  }

  reserve(account: string, minIntervalMs: number, now: number): Promise<Slot> {
    return this.store.reservePace(key(account), minIntervalMs, now);
  }

  block(account: string, until: number): Promise<void> {
    return this.store.blockPace(key(account), until);
  }
}

const key = (account: string) => `pace:${account}`;
