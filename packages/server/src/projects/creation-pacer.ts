import { AppError } from '../errors/app-error.js';
import { MemoryPacingLedger, type PacingLedger } from './pacing-ledger.js';

export interface PacerOptions {
  /** least time between two repository creations in one GitHub account (default 1 s: under GitHub's ~80/min) */
  minIntervalMs?: number;
  /** a `retry-after` up to this long is waited out once, with the admin waiting; longer ones are answered 429 */
  maxWaitMs?: number;
}

export interface PacerDeps {
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** where slots and GitHub's waits are kept: the database for a fleet (default: this process only) */
  ledger?: PacingLedger;
}

/** How long GitHub said to wait (`retry-after`), or null when it did not say. */
function retryAfterMs(error: unknown): number | null {
  const retryAfter = Number((error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers?.['retry-after']);
  return Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null;
}

/** The first wait for a secondary limit without `retry-after`, and the most it grows to. */
const unsaidWaitMs = 60_000;
const unsaidWaitMaxMs = 16 * 60_000;

/** GitHub's secondary limit answer: 403 or 429 with `retry-after`, or a message naming the secondary limit. */
export function secondaryLimitWaitMs(error: unknown): number | null {
  const e = error as { status?: number; message?: string };
  if (e.status !== 403 && e.status !== 429) return null;
  const said = retryAfterMs(error);
  if (said !== null) return said;
  // "If the retry-after response header is not present, wait at least one minute" (GitHub's REST best practices).
  if (/secondary rate limit/i.test(e.message ?? '')) return unsaidWaitMs;
  return null;
}

/**
 * Keeps repository creations inside GitHub's secondary limit for content creation (about 80 a minute and 500 an
 * hour, github-facts.md): creations in one account run one at a time, `minIntervalMs` apart; a `retry-after` from
 * GitHub is honoured for every later creation in that account (they answer 429 at once instead of asking GitHub
 * while it said to wait), and a short one is waited out once. With the database ledger the slots and the waits are
 * the fleet's: every replica takes its slot from the same row.
 */
export class CreationPacer {
  private readonly lanes = new Map<string, Promise<unknown>>();
  /**
   * Per account, how many secondary limits without `retry-after` came in a row (this process's count): each doubles
   * the wait, "at least one minute ... increase exponentially" as GitHub's best practices ask; a creation that works,
   * or a quiet spell as long as the longest wait, starts over.
   */
  private readonly strikes = new Map<string, { count: number; at: number }>();
  private readonly ledger: PacingLedger;
  private readonly minIntervalMs: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly deps: PacerDeps,
    options: PacerOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.ledger = deps.ledger ?? new MemoryPacingLedger();
  }

  /** Runs `create` in the lane of `account`, paced; a secondary limit beyond `maxWaitMs` becomes a 429. */
  run<T>(account: string, create: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(account) ?? Promise.resolve();
    const turn = previous.catch(() => {}).then(() => this.paced(account, create));
    const settled = turn.catch(() => {});
    this.lanes.set(account, settled);
    void settled.then(() => {
      if (this.lanes.get(account) === settled) this.lanes.delete(account);
    });
    return turn;
  }

  /** 1 min, 2, 4, 8, then 16 at most, for the account's secondary limits without `retry-after` in a row. */
  private growingWait(account: string): number {
    const now = this.deps.now();
    const last = this.strikes.get(account);
    const count = last && now - last.at < unsaidWaitMaxMs + unsaidWaitMs * 2 ** last.count ? last.count + 1 : 1;
    this.strikes.set(account, { count, at: now });
    return Math.min(unsaidWaitMaxMs, unsaidWaitMs * 2 ** (count - 1));
  }

  private async paced<T>(account: string, create: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const slot = await this.ledger.reserve(account, this.minIntervalMs, this.deps.now());
      if ('blockedUntil' in slot) {
        const blocked = slot.blockedUntil - this.deps.now();
        // Asked to wait before this creation began (here or by another replica): refuse at once, as GitHub would.
        if (attempt === 0 || attempt > 3 || blocked > this.maxWaitMs) throw limited(blocked);
        await this.sleep(blocked);
        continue;
      }
      const gap = slot.startAt - this.deps.now();
      if (gap > 0) await this.sleep(gap);
      try {
        const created = await create();
        this.strikes.delete(account);
        return created;
      } catch (error) {
        let waitMs = secondaryLimitWaitMs(error);
        if (waitMs === null) throw error;
        if (retryAfterMs(error) === null) waitMs = this.growingWait(account);
        await this.ledger.block(account, this.deps.now() + waitMs);
        if (attempt > 0 || waitMs > this.maxWaitMs) throw limited(waitMs, error);
      }
    }
  }
}

function limited(waitMs: number, cause?: unknown): AppError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('rate_limited', `GitHub asks us to slow down creating repositories; try again in ${retryAfter} s.`, {
    cause,
    details: { retryAfter },
  });
}
