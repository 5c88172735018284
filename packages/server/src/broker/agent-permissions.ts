import { agentGrantPermissionsSchema } from '@hubgate/contract';

/**
 * What an agent may ask for on its project's repository, within its key's grant (broker/agent-grant.ts):
 * `contents`, `pull_requests`, `issues` (read or write) and `metadata: read`. Anything else the app holds
 * (administration, which creates repositories) stays with the service: no request can name it.
 */
export const agentPermissionsSchema = agentGrantPermissionsSchema;
