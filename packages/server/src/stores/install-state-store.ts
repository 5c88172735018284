import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { installStates } from '../db/schema/index.js';
import type { InstallStateData } from '../db/schema/install-states.js';
import { AppError } from '../errors/app-error.js';
import { sha256 } from '../sealing/sha256.js';

const lifetimeMs = 10 * 60_000;

export type StatePurpose = 'install' | 'oauth' | 'manifest';
export interface StateOwner {
  organizationId: string;
  userId: string;
  /** the hash of the browser session that started the flow */
  sessionHash: string | null;
}

/**
 * Single-use connect states, bound to the tenant, the user and the browser session that started the flow, valid
 * ten minutes. Checking and spending are separate: a state is checked (owner first, so a stranger who sees it
 * cannot burn it), the GitHub calls are made, and it is spent only when the step succeeds, so an outage at GitHub
 * lets the admin try again with the same link.
 */
export class InstallStateStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  async issue(owner: StateOwner, purpose: StatePurpose, data: InstallStateData = {}): Promise<string> {
    const state = randomBytes(24).toString('base64url');
    const now = this.now();
    await this.db.insert(installStates).values({
      stateHash: sha256(state),
      organizationId: owner.organizationId,
      userId: owner.userId,
      sessionHash: owner.sessionHash,
      purpose,
      data,
      expiresAt: new Date(now.getTime() + lifetimeMs),
    });
    await this.db.delete(installStates).where(lt(installStates.expiresAt, new Date(now.getTime() - lifetimeMs)));
    return state;
  }

  /** The state's data when it is live and belongs to this caller; nothing changes either way. */
  async check(owner: StateOwner, state: string, purpose: StatePurpose): Promise<InstallStateData> {
    if (!/^[A-Za-z0-9_-]{16,200}$/.test(state))
      throw new AppError('invalid_state', 'The state parameter is malformed; start connecting again.');
    const [row] = await this.db
      .select()
      .from(installStates)
      .where(and(eq(installStates.stateHash, sha256(state)), eq(installStates.purpose, purpose)));
    if (!row || row.usedAt || row.expiresAt.getTime() <= this.now().getTime())
      throw new AppError('invalid_state', 'This connection link has expired or was already used; start connecting again.');
    if (
      row.organizationId !== owner.organizationId ||
      row.userId !== owner.userId ||
      (row.sessionHash !== null && row.sessionHash !== owner.sessionHash)
    ) {
      throw new AppError(
        'invalid_state',
        'This connection link was started by another user or organization (or in another browser); start connecting again.',
      );
    }
    return row.data;
  }

  /** Spends a checked state; refused when another request spent it first (a race or a replay). */
  async spend(state: string, purpose: StatePurpose) {
    const now = this.now();
    const spent = await this.db
      .update(installStates)
      .set({ usedAt: now })
      .where(
        and(
          eq(installStates.stateHash, sha256(state)),
          eq(installStates.purpose, purpose),
          isNull(installStates.usedAt),
          gt(installStates.expiresAt, now),
        ),
      )
      .returning({ h: installStates.stateHash });
    if (spent.length === 0)
      throw new AppError('invalid_state', 'This connection link has expired or was already used; start connecting again.');
  }

  /** Whether an unused state exists for this purpose: lets the callback tell our OAuth leg from GitHub's. */
  async exists(state: string, purpose: StatePurpose): Promise<boolean> {
    const rows = await this.db
      .select({ h: installStates.stateHash })
      .from(installStates)
      .where(and(eq(installStates.stateHash, sha256(state)), eq(installStates.purpose, purpose)));
    return rows.length > 0;
  }
}
