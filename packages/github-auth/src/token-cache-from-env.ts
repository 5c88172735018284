import type { Clock } from './clock.js';
import { GitHubAuthError } from './errors.js';
import type { Logger } from './logger.js';
import { RedisTokenStore } from './redis-token-store.js';
import { TokenCipher } from './token-cipher.js';

/**
 * The Redis tier when `REDIS_URL` is set. Tokens are encrypted at rest there, so a key is required
 * (`HUBGATE_CACHE_KEY`, 32 bytes as hex or base64): an unconfigured tier is absent, never half-working.
 */
export function redisTokenStoreFromEnv(
  env: NodeJS.ProcessEnv,
  clock: Clock,
  logger: Logger,
): RedisTokenStore | null {
  const url = env.REDIS_URL?.trim();
  if (!url) return null;
  const key = env.HUBGATE_CACHE_KEY?.trim();
  if (!key)
    throw new GitHubAuthError(
      'invalid_config',
      'REDIS_URL is set but HUBGATE_CACHE_KEY is not: tokens in Redis are encrypted, give a 32-byte key (openssl rand -hex 32)',
    );
  return new RedisTokenStore({ redis: url, cipher: new TokenCipher(key), clock, logger });
}
