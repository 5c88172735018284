import { bearerAuth } from 'hono/bearer-auth';
import type { Context } from 'hono';
import type { AgentKeyService } from '../../broker/agent-key-service.js';
import { AppError } from '../../errors/app-error.js';
import type { AgentPrincipal } from '../../identity/principal.js';
import type { AppEnv } from '../app-env.js';

/**
 * hono's messages are replaced by thrown AppErrors so that every refusal has the service's error shape (the
 * app's onError answers it); hono's own HTTPException would reach onError as an unknown error.
 */
export const refuse = (message: string) => () => {
  throw new AppError('unauthenticated', message);
};

/**
 * Agents: `Authorization: Bearer hgk_...` checked with hono's `bearer-auth` against the agent keys, in the
 * database on every call (a revoked key fails at once on every replica); sets an `AgentPrincipal`.
 */
export function agentAuth(keys: AgentKeyService) {
  return bearerAuth({
    verifyToken: async (presented, c: Context<AppEnv>) => {
      const agent = await keys.authenticate(presented);
      if (!agent) throw new AppError('unauthenticated', 'The agent key is unknown or revoked.');
      c.set('principal', agent);
      return true;
    },
    noAuthenticationHeader: { message: refuse('Send the agent key as Authorization: Bearer hgk_....') },
    invalidAuthenticationHeader: { message: refuse('The Authorization header must be Bearer followed by the key.') },
    invalidToken: { message: refuse('The agent key is unknown or revoked.') },
  });
}

/** The agent of a request that passed `agentAuth` (the guard makes this safe). */
export function agentOf(c: Context<AppEnv>): AgentPrincipal {
  return c.get('principal') as AgentPrincipal;
}
