import type { Database } from '../db/database.js';
import { stateChanged } from './state-generation.js';

/** Runs `work` in one transaction; the stores built from its handle write inside it. */
export async function inTransaction<T>(db: Database, work: (tx: Database) => Promise<T>): Promise<T> {
  try {
    return await db.transaction((tx) => work(tx as unknown as Database));
  } finally {
    // after the commit (or rollback): cached views read before it are stale now
    stateChanged(db);
  }
}
