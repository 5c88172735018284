import { type Spread, showRatio, showSpread, spread } from './stats.js';

/** One goal of issue 17's table, with what this run measured and whether it is met. */
export interface GoalResult {
  what: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

/** A loose check of quick mode: a ratio that must still hold; a failed one makes the run exit non-zero. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** Per-round ratios a/b, summarized like every other figure. */
export function ratios(a: number[], b: number[]): Spread {
  if (a.length !== b.length) throw new Error('ratios need the same rounds on both sides');
  return spread(a.map((x, i) => x / b[i]!));
}

/**
 * The markdown written to docs/benchmarks.md and printed as the run goes, plus the goals and checks collected
 * on the way. Sections print as soon as they are measured, so a long run shows progress.
 */
export class Report {
  readonly lines: string[] = [];
  readonly goals: GoalResult[] = [];
  readonly checks: CheckResult[] = [];

  out(line = '') {
    this.lines.push(line);
    console.log(line);
  }

  section(title: string, intro?: string) {
    this.out(`## ${title}`);
    this.out();
    if (intro) {
      this.out(intro);
      this.out();
    }
  }

  table(headers: string[], rows: string[][]) {
    this.out(`| ${headers.join(' | ')} |`);
    this.out(`|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) this.out(`| ${row.join(' | ')} |`);
    this.out();
  }

  note(text: string) {
    this.out(text);
    this.out();
  }

  goal(result: GoalResult) {
    this.goals.push(result);
  }

  check(name: string, ok: boolean, detail: string) {
    this.checks.push({ name, ok, detail });
    console.log(`${ok ? 'ok  ' : 'FAIL'} check: ${name} (${detail})`);
  }

  goalsTable() {
    const mark = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'NOT met');
    this.table(
      ['what', 'goal (issue 17)', 'this run', 'status'],
      this.goals.map((g) => [g.what, g.goal, g.measured, mark(g.met)]),
    );
  }
}

export { showRatio, showSpread, spread };
