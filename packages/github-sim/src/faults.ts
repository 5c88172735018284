/** A fault to inject on a route: latency, an error answer, or a request that never answers. */
export interface FaultRule {
  /** `METHOD /template` as in the route table (e.g. `POST /app/installations/{installation_id}/access_tokens`), or `*` */
  route: string;
  latencyMs?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Shape the answer as one of GitHub's rate limits: `secondary` (the default for status 429): the secondary
   * limit's message and `retry-after`; `primary` (status 403 unless given): `x-ratelimit-remaining: 0` and the
   * reset time. Both as @octokit/plugin-throttling recognises them. `content-creation`: GitHub's other secondary
   * shape, 403 "...temporarily blocked from content creation..." with no `retry-after` at all (GitHub's docs: then
   * wait at least a minute, longer each time).
   */
  kind?: 'secondary' | 'primary' | 'content-creation';
  /** never answer until the client gives up (its concurrency slot is given back then) */
  hang?: boolean;
  /** how many requests it applies to; unlimited when absent */
  times?: number;
}

export class FaultTable {
  private rules: FaultRule[] = [];

  add(rule: FaultRule) {
    this.rules.push({ ...rule });
  }

  clear() {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The rule that applies to this request, consuming one of its `times`. */
  take(route: string): FaultRule | null {
    const rule = this.rules.find((r) => r.route === route || r.route === '*');
    if (!rule) return null;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule;
  }
}
