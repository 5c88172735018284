import { z } from 'zod';

/**
 * What an agent may ask for on its project's repository: git needs `contents` (read to fetch, write to push) and
 * every token carries `metadata: read` (GitHub adds it anyway). Anything else the app holds (administration,
 * which creates repositories) stays with the service: an agent key never reaches it.
 */
export const agentPermissionsSchema = z.strictObject(
  {
    contents: z.enum(['read', 'write']).optional(),
    metadata: z.literal('read').optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')} refused: agents may ask for contents (read or write) and metadata (read) only`
        : undefined,
  },
);

export type AgentPermissions = { contents: 'read' | 'write'; metadata: 'read' };

/**
 * The permissions a token gets: `contents: write` unless the caller asks for read. A git credential helper
 * cannot tell a fetch from a push (git asks for credentials before either), and an agent's job on its
 * project's repository is to push; the token is already limited to that one repository. Read-only callers ask
 * `{ "contents": "read" }`. Always both keys, so one repository has two cache entries at most, fleet-wide.
 */
export function agentPermissions(asked: z.infer<typeof agentPermissionsSchema> | undefined): AgentPermissions {
  return { contents: asked?.contents ?? 'write', metadata: 'read' };
}
