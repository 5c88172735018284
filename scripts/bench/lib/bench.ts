import type { Report } from './report.js';

/** What every section gets: the mode, how many rounds, and the report to write into. */
export interface Bench {
  quick: boolean;
  /** rounds of the rows that take a second or less per round */
  rounds: number;
  /** rounds of the rows that spawn fleets or servers (one in quick mode, unless --rounds says otherwise) */
  heavyRounds: number;
  report: Report;
}

/** Runs `fn` once per round, in order (rounds never overlap: they would measure each other). */
export async function inRounds<T>(
  bench: Bench,
  fn: (round: number) => Promise<T>,
  weight: 'light' | 'heavy' = 'light',
): Promise<T[]> {
  const results: T[] = [];
  const rounds = weight === 'heavy' ? bench.heavyRounds : bench.rounds;
  for (let round = 0; round < rounds; round++) results.push(await fn(round));
  return results;
}

/**
 * CPU nanoseconds per call of an async call made `n` times in a row (after a warm-up of its own). CPU time of
 * the process, not wall time: on a machine shared with other work, wall time counts the moments the process
 * was not running at all, CPU time only what the calls cost.
 */
export async function nsPerCall(n: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 5000); i++) await call();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await call();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

export const column = <T, K extends keyof T>(rows: T[], key: K) => rows.map((r) => r[key]);

/** `inRounds` for the rows that spawn fleets or servers. */
export const inHeavyRounds = <T>(bench: Bench, fn: (round: number) => Promise<T>) => inRounds(bench, fn, 'heavy');
