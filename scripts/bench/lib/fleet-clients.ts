import { randomBytes } from 'node:crypto';
import {
  createAppCredentials,
  InstallationTokenProvider,
  RedisTokenStore,
  silentLogger,
  systemClock,
  TokenCipher,
} from '@hubgate/github-auth';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { Redis } from 'ioredis';
import { octokitRedisCache } from './octokit-redis-cache.js';

/** The caches compared in the fleet rows; every one is asked for the same least-privilege scope. */
export const fleetConfigs = ['hubgate-redis', 'hubgate-local', 'octokit-default', 'octokit-redis'] as const;
export type FleetConfig = (typeof fleetConfigs)[number];

export const fleetConfigLabels: Record<FleetConfig, string> = {
  'hubgate-redis': 'hubgate, Redis tier shared by the fleet',
  'hubgate-local': 'hubgate without Redis (process tier only)',
  'octokit-default': '@octokit/auth-app, default (per-process LRU, 59 min)',
  'octokit-redis': '@octokit/auth-app with its `cache` option on Redis, shared by the fleet',
};

export interface FleetTarget {
  apiUrl: string;
  appId: number;
  clientId: string;
  privateKey: string;
  installationId: number;
  repositoryId: number;
  redisUrl: string;
  /** shared by the fleet's members of one configuration */
  prefix: string;
  cipherKey: string;
}

/** One member of a fleet (one server process's client) for a configuration; `ask` gets a token. */
export function fleetMember(config: FleetConfig, target: FleetTarget) {
  const scope = {
    installationId: target.installationId,
    repositoryIds: [target.repositoryId],
    permissions: { contents: 'write' as const },
  };
  const closers: (() => Promise<unknown> | void)[] = [];
  let ask: () => Promise<{ token: string }>;
  let idle: () => Promise<void> = async () => {};
  if (config === 'hubgate-redis' || config === 'hubgate-local') {
    const redis =
      config === 'hubgate-redis'
        ? new RedisTokenStore({
            redis: target.redisUrl,
            cipher: new TokenCipher(target.cipherKey),
            clock: systemClock,
            logger: silentLogger,
            prefix: target.prefix,
          })
        : null;
    if (redis) closers.push(() => redis.close());
    const provider = new InstallationTokenProvider({
      app: createAppCredentials({ clientId: target.clientId, privateKey: target.privateKey, apiUrl: target.apiUrl }),
      redis,
    });
    ask = () => provider.getToken(scope);
    idle = () => provider.whenIdle();
  } else {
    let cache: ReturnType<typeof octokitRedisCache> | undefined;
    if (config === 'octokit-redis') {
      const client = new Redis(target.redisUrl);
      closers.push(() => client.disconnect());
      cache = octokitRedisCache(client, target.prefix);
    }
    const auth = createAppAuth({
      appId: target.appId,
      privateKey: target.privateKey,
      request: request.defaults({ baseUrl: target.apiUrl }),
      ...(cache ? { cache } : {}),
    });
    ask = () => auth({ type: 'installation', ...scope, repositoryIds: [...scope.repositoryIds] });
  }
  return {
    ask,
    idle,
    async close() {
      for (const close of closers) await close();
    },
  };
}

export const newPrefix = () => `hubgate-bench:${randomBytes(6).toString('hex')}:`;

/** Removes a run's keys from Redis (the bench shares the database with nothing, but cleans up anyway). */
export async function dropPrefix(redisUrl: string, prefix: string) {
  const client = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== '0');
  client.disconnect();
}
