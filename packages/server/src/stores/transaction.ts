import type { Database } from '../db/database.js';

/** Runs `work` in one transaction; the stores built from its handle write inside it. */
export function inTransaction<T>(db: Database, work: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Database));
}
