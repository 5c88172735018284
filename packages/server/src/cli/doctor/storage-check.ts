import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { ServerConfig } from '../../config.js';
import { openDatabase } from '../../db/database.js';
import { type Finding, fail, ok } from './finding.js';

/** The driver's message, without the URL (it may hold a password). */
const withoutUrls = (message: string) => message.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');

export async function checkDatabase(config: ServerConfig): Promise<Finding[]> {
  const name = config.databaseUrl ? 'DATABASE_URL' : 'HUBGATE_DATA_DIR';
  try {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
    try {
      await db.db.execute(sql`select 1`);
    } finally {
      await db.close();
    }
    return [ok(`${name}: database (${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}) reachable`)];
  } catch (error) {
    return [fail(`${name}: database unreachable: ${withoutUrls((error as Error).message)}`)];
  }
}

/** Redis answers PING (the fleet-wide token cache); absent Redis is fine for a single replica. */
export async function checkRedis(config: ServerConfig): Promise<Finding[]> {
  if (!config.redisUrl) return [ok('REDIS_URL not set: tokens are cached per process (set it for more than one replica)')];
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return [ok('REDIS_URL: Redis answers')];
  } catch (error) {
    return [fail(`REDIS_URL: Redis unreachable: ${withoutUrls((error as Error).message)}`)];
  } finally {
    redis.disconnect();
  }
}
