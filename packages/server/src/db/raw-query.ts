import pg from 'pg';
import type { Database } from './database.js';

/**
 * A hot path's SQL without the query builder: on PostgreSQL a named prepared statement (parsed and planned once per
 * connection), on PGlite the same text. Drizzle's builder costs more than the statement itself on the broker's
 * cached path (profiled: 19 % of self time), and it cannot name a prepared statement on node-postgres.
 */
export type RawQuery = <R>(name: string, text: string, values: unknown[]) => Promise<R[]>;

export function rawQuery(db: Database): RawQuery {
  const client = (db as unknown as { $client: unknown }).$client;
  if (client instanceof pg.Pool)
    return async <R>(name: string, text: string, values: unknown[]) =>
      (await client.query({ name, text, values })).rows as R[];
  const pglite = client as { query: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }> };
  return async <R>(_name: string, text: string, values: unknown[]) => (await pglite.query(text, values)).rows as R[];
}
