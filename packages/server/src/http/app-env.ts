import type { Context } from 'hono';
import type { Principal, TenantUser } from '../identity/principal.js';

/** What middleware puts on every request: the caller, when there is one. */
export type AppEnv = {
  Variables: {
    principal: Principal | null;
    /** the agent key a broker call presented, before the lookup that checks it */
    agentKey?: string;
  };
};

/** The signed-in user of a request that passed `requireUser` (the guard makes this safe). */
export function tenantUser(c: Context<AppEnv>): TenantUser {
  return c.get('principal') as TenantUser;
}
