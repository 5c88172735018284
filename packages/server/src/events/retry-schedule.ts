/** How long and how often an event is tried before it becomes a dead letter (docs/events.md). */
export interface RetrySchedule {
  /** the first retry waits about this long (default 5 s); each one after waits twice as long as the one before */
  firstDelayMs: number;
  /** no wait is longer than this (default 1 hour) */
  maxDelayMs: number;
  /** past this age (default 3 days) an event that still fails is a dead letter, shown to the tenant's admins */
  windowMs: number;
}

export const defaultRetrySchedule: RetrySchedule = { firstDelayMs: 5_000, maxDelayMs: 3_600_000, windowMs: 3 * 86_400_000 };

/**
 * When the next attempt is due after `attempts` failed ones, or null once the window is over. Exponential with
 * "equal jitter" (half the wait fixed, half random), so endpoints coming back are not hit by every replica at once.
 */
export function nextAttempt(schedule: RetrySchedule, attempts: number, createdAt: Date, now: Date, random = Math.random): Date | null {
  const wait = Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  const at = now.getTime() + wait / 2 + random() * (wait / 2);
  if (at - createdAt.getTime() > schedule.windowMs) return null;
  return new Date(at);
}
