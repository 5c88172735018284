import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import type { AgentKeyService } from '../../broker/agent-key-service.js';
import { type BrokerMetrics, outcomeOf } from '../../broker/broker-metrics.js';
import { agentPermissionsSchema } from '../../broker/agent-permissions.js';
import type { KeyRateLimiter } from '../../broker/key-rate-limiter.js';
import type { TokenBroker } from '../../broker/token-broker.js';
import { AppError } from '../../errors/app-error.js';
import type { AppEnv } from '../app-env.js';
import { agentAuth, agentOf, refuse } from '../middleware/agent-auth.js';
import { jsonBody } from '../middleware/json-body.js';

const tokenBody = z
  .object({
    repository: z.string().trim().min(1, 'name the repository (owner/name or its URL)').max(1000),
    permissions: agentPermissionsSchema.optional(),
    // Installation tokens live one hour; the library refuses to promise more than 55 minutes of it.
    minValidityMs: z.number().int().min(0).max(55 * 60_000).optional(),
  })
  .strict();

export interface BrokerApiDeps {
  keys: AgentKeyService;
  broker: TokenBroker;
  limiter: KeyRateLimiter;
  metrics: BrokerMetrics;
  nowMs: () => number;
}

/** Counts each answer by outcome, refusals included (the app's onError has made them answers by now). */
const countAnswers = (counter: BrokerMetrics['tokenRequests'], success: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    counter.inc({ outcome: outcomeOf(c.res.status, success) });
  });

/** A token request is a few hundred bytes; hono's `bodyLimit` stops a larger one while it streams. */
const smallBody = bodyLimit({
  maxSize: 16 * 1024,
  onError: () => {
    throw new AppError('too_large', 'The request body is larger than 16 KB.');
  },
});

/** Calls per agent key over the limit are a 429 with Retry-After (the window's end). */
function perKeyRateLimit(limiter: KeyRateLimiter, nowMs: () => number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const decision = await limiter.hit(agentOf(c).keyId, nowMs());
    if (!decision.allowed)
      throw new AppError('rate_limited', 'This agent key is over its rate limit; try again later.', {
        details: { retryAfter: decision.retryAfterSeconds },
      });
    await next();
  });
}

/**
 * `/api/v1`, the agents' API: `POST /tokens` (bearer = agent key) answers an installation token for one of the
 * tenant's projects; `DELETE /tokens/current` (bearer = that token) revokes it at job end. No cookies here, so
 * no CSRF; the session/JWT principal is not loaded for this mount (see `createApp`'s `authenticates`).
 */
export function brokerApi(deps: BrokerApiDeps) {
  const api = new Hono<AppEnv>();
  api.use('/tokens', countAnswers(deps.metrics.tokenRequests, 'issued'));
  api.use('/tokens/current', countAnswers(deps.metrics.revocations, 'revoked'));
  api.post('/tokens', agentAuth(deps.keys), perKeyRateLimit(deps.limiter, deps.nowMs), smallBody, async (c) => {
    const body = await jsonBody(c, tokenBody);
    c.header('cache-control', 'no-store');
    return c.json(await deps.broker.issue(agentOf(c), body));
  });
  // The bearer is the installation token itself: hono's bearer-auth reads it, and "verifying" it is revoking it
  // (the broker refuses a token it did not issue with a 401).
  api.delete(
    '/tokens/current',
    bearerAuth({
      verifyToken: async (token) => {
        await deps.broker.revoke(token);
        return true;
      },
      noAuthenticationHeader: { message: refuse('Send the token to revoke as Authorization: Bearer <token>.') },
      invalidAuthenticationHeader: { message: refuse('The Authorization header must be Bearer followed by the token.') },
    }),
    (c) => c.body(null, 204),
  );
  return api;
}
