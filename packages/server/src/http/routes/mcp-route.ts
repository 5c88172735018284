import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppRegistry } from '../../apps/app-registry.js';
import { agentKeyHash } from '../../broker/agent-key-secret.js';
import { enforceLimit, type KeyRateLimiter } from '../../broker/key-rate-limiter.js';
import type { TokenBroker } from '../../broker/token-broker.js';
import type { Database } from '../../db/database.js';
import { brokerBackend, type McpCaller } from '../../mcp/broker-backend.js';
import { registerTools } from '../../mcp/mcp-tools.js';
import { AgentKeyStore } from '../../stores/agent-key-store.js';
import type { TokenExchange } from '../../workload/token-exchange.js';
import type { AppEnv } from '../app-env.js';
import { refuse } from '../middleware/agent-auth.js';
import { limitBody } from '../middleware/body-limit.js';

export interface McpRouteDeps {
  /** an exchanged identity: a workload's ID token as the bearer, under the tenant's trust policies */
  exchange?: TokenExchange;
  db: Database;
  broker: TokenBroker;
  apps: AppRegistry;
  limiter: KeyRateLimiter;
  nowMs: () => number;
  version: string;
}

/**
 * `/mcp`: the MCP server over Streamable HTTP, stateless (a server per request, as the SDK's stateless mode has it:
 * any replica answers any call), authenticated by an agent key or a workload's ID token (an exchanged identity, under
 * the tenant's trust policies). The tools listed are those the key's, or the policy's, grant allows.
 */
export function mcpRoute(deps: McpRouteDeps) {
  const api = new Hono<AppEnv>();
  // The caller of each request, as the bearer check found it (hono's variables are typed for the app's principal).
  const callers = new WeakMap<Request, McpCaller>();
  const keys = new AgentKeyStore(deps.db);
  const limited = enforceLimit(deps.limiter, deps.nowMs, 'This agent key is over its rate limit; try again later.');
  // A JWT is a workload's ID token: its trust policy's key is the caller (the policy's grant, its tenant). An agent
  // key's hash and a policy key's hash live in the same column; only a verified ID token leads to the latter.
  const identityKeyHash = async (presented: string): Promise<string | null> => {
    if (!deps.exchange || presented.split('.').length !== 3) return null;
    return (await deps.exchange.identify(presented)).policy.keyHash;
  };
  api.use(
    '*',
    limitBody(2 * 1024 * 1024),
    bearerAuth({
      verifyToken: async (presented, c) => {
        const bearerKey = agentKeyHash(presented);
        const keyHash = bearerKey ?? (await identityKeyHash(presented));
        if (!keyHash) return false;
        const row = await keys.byHash(keyHash);
        // An agent key leads to a bearer key only; a verified ID token to its policy's key only.
        if (!row || row.purpose !== (bearerKey ? 'key' : 'trust_policy') || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= deps.nowMs())) return false;
        await limited(keyHash);
        callers.set(c.req.raw, { keyHash, organizationId: row.organizationId, grant: row.grant });
        return true;
      },
      noAuthenticationHeader: { message: refuse('Send the agent key as Authorization: Bearer hgk_....') },
      invalidAuthenticationHeader: { message: refuse('The Authorization header must be Bearer followed by the agent key.') },
      invalidToken: { message: refuse('The agent key is unknown, revoked or expired.') },
    }),
  );
  api.all('/', async (c) => {
    const server = new McpServer({ name: 'hubgate', version: deps.version });
    // The per-call limit was counted once for this request, above.
    registerTools(server, brokerBackend({ ...deps, rateLimit: async () => {} }, callers.get(c.req.raw)!));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      void server.close();
    }
  });
  return api;
}
