/** A fault to inject on a route: latency, an error answer, or a request that never answers. */
export interface FaultRule {
  /** `METHOD /template` as in the route table (e.g. `POST /app/installations/{installation_id}/access_tokens`), or `*` */
  route: string;
  latencyMs?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** never answer (the client's timeout fires) */
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
