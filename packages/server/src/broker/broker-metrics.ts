import { Counter, type Registry } from 'prom-client';

export interface BrokerMetrics {
  tokenRequests: Counter<'outcome'>;
  revocations: Counter<'outcome'>;
}

/** The agents' API by answer: a fixed set of outcomes (the HTTP status class), never a key or a repository. */
export function createBrokerMetrics(registry: Registry): BrokerMetrics {
  return {
    tokenRequests: new Counter({
      name: 'hubgate_broker_token_requests_total',
      help: 'POST /api/v1/tokens by outcome (issued, unauthenticated, forbidden, not_found, rate_limited, invalid, conflict, error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    revocations: new Counter({
      name: 'hubgate_broker_revocations_total',
      help: 'DELETE /api/v1/tokens/current by outcome (revoked, unauthenticated, error)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** The outcome label of an answer's status. */
export function outcomeOf(status: number, success: string): string {
  if (status < 300) return success;
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 429:
      return 'rate_limited';
    case 400:
    case 413:
      return 'invalid';
    case 409:
      return 'conflict';
    default:
      return 'error';
  }
}
