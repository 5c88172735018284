import type { AppRegistry } from '../apps/app-registry.js';
import { grantReaches } from '../broker/agent-grant.js';
import type { TokenBroker } from '../broker/token-broker.js';
import type { Database } from '../db/database.js';
import type { AgentGrant } from '@hubgate/contract';
import { RepoStore } from '../stores/repo-store.js';
import type { McpBackend } from './mcp-tools.js';

/** The caller of the MCP server: an agent key (by its hash), its tenant and its grant. */
export interface McpCaller {
  keyHash: string;
  organizationId: string;
  grant: AgentGrant;
}

/**
 * The tools' backend inside hubgate: projects from the tenant's rows, tokens from the broker (the same checks as
 * `POST /api/v1/tokens`: the grant, the tenant, the host), one live lease per key, repository and permissions,
 * reused by the next call instead of a new hand-out each time.
 */
export function brokerBackend(deps: { db: Database; broker: TokenBroker; apps: AppRegistry; rateLimit: (keyHash: string) => Promise<void> }, caller: McpCaller): McpBackend {
  return {
    grant: caller.grant,
    async listProjects() {
      const rows = await new RepoStore(deps.db).list(caller.organizationId);
      return rows
        .filter((row) => row.fullName && row.githubRepoId !== null && row.accessState !== 'deleted' && grantReaches(caller.grant, row))
        .map((row) => ({ repository: row.fullName!, name: row.name, kind: row.kind, state: row.accessState }));
    },
    async repositoryClient(repository, permissions, tool) {
      const call = await deps.broker.authorizeByKeyHash(caller.keyHash, repository, deps.rateLimit);
      const issued = await deps.broker.issue(call, {
        repository,
        permissions,
        job: `mcp ${repository.toLowerCase()} ${Object.entries(permissions).map(([name, level]) => `${name}:${level}`).sort().join(',')}`,
        reuseLeaseOfJob: true,
        auditDetail: { mcp: { tool } },
      });
      const app = await deps.apps.byKey(call.lookup.project!.appKey);
      return app.asUser(issued.token);
    },
  };
}
