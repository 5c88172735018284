import type { Database } from '../db/database.js';

/**
 * A counter per database handle, moved after every committed write to what the settings page's connection view is
 * built from (installation bindings, known installations, tenant apps, projects, restore jobs). A cache of that view
 * remembers the count it read under and treats any other count as a miss, so a change made in this process is
 * visible on the next call. Writes by another replica do not move it: such caches bound that with a short lifetime.
 *
 * Keyed by the handle object (not global): each test's database, and each replica, has its own count. A store
 * writing inside a transaction moves the transaction handle's count (nobody reads it); `inTransaction` moves the
 * database's once the transaction has committed, so a reader never caches what a rollback would undo.
 */
const generations = new WeakMap<object, number>();

export function stateChanged(db: Database): void {
  generations.set(db, (generations.get(db) ?? 0) + 1);
}

export function stateGeneration(db: Database): number {
  return generations.get(db) ?? 0;
}
