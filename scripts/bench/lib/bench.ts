import type { Report } from './report.js';

/** What every section gets: the mode, how many rounds, and the report to write into. */
export interface Bench {
  quick: boolean;
  rounds: number;
  report: Report;
}

/** Runs `fn` once per round, in order (rounds never overlap: they would measure each other). */
export async function inRounds<T>(bench: Bench, fn: (round: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let round = 0; round < bench.rounds; round++) results.push(await fn(round));
  return results;
}

/** Nanoseconds per call of an async call made `n` times in a row (after a warm-up of its own). */
export async function nsPerCall(n: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 5000); i++) await call();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - start) / n;
}

export const column = <T, K extends keyof T>(rows: T[], key: K) => rows.map((r) => r[key]);
