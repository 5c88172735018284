import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.js';
import { stateGeneration } from '../stores/state-generation.js';

/**
 * How long another replica's change may go unseen here. The view is what the settings page shows; nothing is
 * authorized from it (connect, claim, disconnect and the broker read the database themselves), and a change made in
 * this process (a webhook applied, reconcile, a connect) is visible on the next call (`stateGeneration`).
 */
export const connectionCacheTtlMs = 2_000;

/**
 * The connection view per tenant and role, kept in the process: building it costs 2-5 sequential queries (PGlite runs
 * them on the event loop), and a settings page asks for it on every load and poll. Entries are dropped as soon as
 * this process writes any of the state the view is built from, and otherwise after `ttlMs`. Concurrent misses for
 * one key share one build.
 */
export class ConnectionViewCache<T extends object> {
  private readonly entries: LRUCache<string, { generation: number; value: Promise<T> }>;

  constructor(
    private readonly db: Database,
    options: { ttlMs?: number; max?: number } = {},
  ) {
    this.entries = new LRUCache({ max: options.max ?? 10_000, ttl: Math.max(1, options.ttlMs ?? connectionCacheTtlMs), ttlAutopurge: false });
  }

  get(key: string, build: () => Promise<T>): Promise<T> {
    const generation = stateGeneration(this.db);
    const hit = this.entries.get(key);
    if (hit && hit.generation === generation) return hit.value;
    const value = build();
    this.entries.set(key, { generation, value });
    // a failed build is not kept
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
