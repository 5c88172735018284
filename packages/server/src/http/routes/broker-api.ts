import { type Context, Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { agentKeyHash } from '../../broker/agent-key-secret.js';
import { type BrokerMetrics, outcomeOf } from '../../broker/broker-metrics.js';
import { agentPermissionsSchema } from '../../broker/agent-permissions.js';
import { enforceLimit, type KeyRateLimiter } from '../../broker/key-rate-limiter.js';
import type { TokenBroker } from '../../broker/token-broker.js';
import type { TokenExchange } from '../../workload/token-exchange.js';
import { readExchangeRequest } from './token-exchange-request.js';
import { AppError } from '../../errors/app-error.js';
import { plainText } from '@hubgate/contract';
import type { AppEnv } from '../app-env.js';
import { refuse } from '../middleware/agent-auth.js';
import { limitBody } from '../middleware/body-limit.js';
import { jsonBody } from '../middleware/json-body.js';

const tokenBody = z.strictObject({
  repository: z.string().trim().min(1, 'name the repository (owner/name or its URL)').max(1000),
  permissions: agentPermissionsSchema.optional(),
  // Installation tokens live one hour; the library refuses to promise more than 55 minutes of it.
  minValidityMs: z.number().int().min(0).max(55 * 60_000).optional(),
  job: plainText('must not be empty', 200).optional(),
  exclusive: z.boolean().optional(),
});

const leaseParam = z.string().uuid('lease: must be the lease id the token was handed out with');

export interface BrokerApiDeps {
  broker: TokenBroker;
  /** `POST /tokens/exchange`: workload identity (workload/token-exchange.ts) */
  exchange?: TokenExchange;
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
const smallBody = limitBody(16 * 1024);

/** An exchange carries an ID token (16 KB at most, workload/token-exchange.ts) beside a few fields. */
const exchangeSizedBody = limitBody(32 * 1024);

/**
 * `Authorization: Bearer hgk_...`, read by hono's `bearer-auth`; a string that cannot be a key is refused here,
 * without a query. The key itself is checked with the project lookup, in one statement (`TokenBroker.authorize`).
 */
const agentKeyHeader = bearerAuth({
  verifyToken: (presented, c) => {
    if (!agentKeyHash(presented)) return false;
    (c as Context<AppEnv>).set('agentKey', presented);
    return true;
  },
  noAuthenticationHeader: { message: refuse('Send the agent key as Authorization: Bearer hgk_....') },
  invalidAuthenticationHeader: { message: refuse('The Authorization header must be Bearer followed by the key.') },
  invalidToken: { message: refuse('The agent key is unknown, revoked or expired.') },
});

/**
 * `/api/v1`, the agents' API: `POST /tokens` (bearer = agent key) answers an installation token for one of the
 * tenant's projects within the key's grant, as a lease; `DELETE /tokens/current` (bearer = that token) ends the
 * lease at job end. No cookies here, so no CSRF; the session/JWT principal is not loaded for this mount.
 */
export function brokerApi(deps: BrokerApiDeps) {
  const api = new Hono<AppEnv>();
  api.use('/tokens', countAnswers(deps.metrics.tokenRequests, 'issued'));
  api.use('/tokens/current', countAnswers(deps.metrics.revocations, 'revoked'));
  api.use('/tokens/exchange', countAnswers(deps.metrics.tokenRequests, 'issued'));
  // RFC 8693: the caller authenticates with the ID token itself; no agent key exists anywhere.
  api.post('/tokens/exchange', exchangeSizedBody, async (c) => {
    if (!deps.exchange) throw new AppError('not_found', 'Token exchange is not enabled here.');
    const request = await readExchangeRequest(c);
    const { issued, policy } = await deps.exchange.exchange(
      request,
      enforceLimit(deps.limiter, deps.nowMs, 'This trust policy is over its rate limit; try again later.'),
    );
    c.header('cache-control', 'no-store');
    return c.json({
      access_token: issued.token,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.floor((Date.parse(issued.expiresAt) - deps.nowMs()) / 1000)),
      ...issued,
      policy,
    });
  });
  api.post('/tokens', agentKeyHeader, smallBody, async (c) => {
    const body = await jsonBody(c, tokenBody);
    const call = await deps.broker.authorize(
      c.get('agentKey')!,
      body.repository,
      enforceLimit(deps.limiter, deps.nowMs, 'This agent key is over its rate limit; try again later.'),
    );
    c.set('principal', {
      kind: 'agent',
      keyId: call.lookup.keyId,
      organizationId: call.lookup.organizationId,
      name: call.lookup.keyName,
    });
    c.header('cache-control', 'no-store');
    return c.json(await deps.broker.issue(call, body));
  });
  // The bearer is the installation token itself: hono's bearer-auth reads it, and "verifying" it is ending its lease
  // (the broker refuses a token it did not issue with a 401).
  api.delete(
    '/tokens/current',
    bearerAuth({
      verifyToken: async (token, c) => {
        const raw = c.req.query('lease') ?? c.req.header('x-hubgate-lease');
        const lease = raw === undefined ? null : leaseParam.safeParse(raw);
        if (lease && !lease.success) throw new AppError('bad_request', lease.error.issues[0]!.message, { details: { field: 'lease' } });
        await deps.broker.endLease(token, lease?.data ?? null);
        return true;
      },
      noAuthenticationHeader: { message: refuse('Send the token to revoke as Authorization: Bearer <token>.') },
      invalidAuthenticationHeader: { message: refuse('The Authorization header must be Bearer followed by the token.') },
    }),
    (c) => c.body(null, 204),
  );
  return api;
}
