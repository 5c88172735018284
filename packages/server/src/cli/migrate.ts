import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';

/** `hubgate migrate`: what serve does first, alone, for a release step before new replicas take traffic. */
export async function migrate(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
  console.log(`migrations applied (${db.kind === 'postgres' ? 'DATABASE_URL' : join(config.dataDir, 'pglite')})`);
}
