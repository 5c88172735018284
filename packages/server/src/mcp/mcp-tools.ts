import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Octokit } from '@octokit/core';
import { z } from 'zod';
import { toAppError } from '../errors/error-response.js';
import type { AgentGrant } from '@hubgate/contract';
import { branchInput, filesPerPage, maxReadBytes, maxWriteBytes, pathInput, refInput, repositoryInput } from './mcp-inputs.js';

/** What the tools may use, for one caller: its projects, and a token scoped to one repository and these permissions. */
export interface McpBackend {
  grant: AgentGrant;
  listProjects(): Promise<{ repository: string; name: string; kind: string; state: string }[]>;
  /** refuses a repository outside the caller's grant (another tenant's, or no project, is "not one of your projects") */
  repositoryClient(repository: string, permissions: Record<string, 'read' | 'write'>, tool: string): Promise<Octokit>;
}

const text = (value: unknown): CallToolResult => ({
  content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
});
/** hubgate's own refusals as they are; GitHub's with its status and message (never a header, so never a token). */
const refusal = (error: unknown): CallToolResult => {
  const github = error as { name?: string; status?: number; message?: string };
  const message =
    github.name === 'HttpError' && typeof github.status === 'number'
      ? `GitHub answered HTTP ${github.status}: ${String(github.message).split(' - ')[0]}`
      : toAppError(error).message;
  return { isError: true, content: [{ type: 'text', text: message }] };
};
const split = (repository: string) => {
  const [owner, repo] = repository.split('/') as [string, string];
  return { owner, repo };
};
const status = (error: unknown) => (error as { status?: number }).status;

/**
 * The tools an agent gets, derived from its grant: only what the grant allows is listed (no write tools for a
 * read-only grant, no pull requests without `pull_requests: write`). Every call asks the broker for a token scoped to
 * the one repository named and the permissions that tool needs, so no call can reach a repository outside the
 * grant, whatever the prompt says: the broker refuses it before GitHub is asked.
 */
export function registerTools(server: McpServer, backend: McpBackend): void {
  const { permissions } = backend.grant;
  const canRead = Boolean(permissions.contents);
  const canWrite = permissions.contents === 'write';
  const canPull = permissions.pull_requests === 'write';
  const tool = <S extends z.ZodRawShape>(
    name: string,
    description: string,
    inputSchema: S,
    run: (args: z.output<z.ZodObject<S>>) => Promise<CallToolResult>,
    readOnly: boolean,
  ) => {
    // The SDK validates the arguments against `inputSchema` before calling; its callback type is generic over the shape.
    const callback = async (args: unknown) => {
      try {
        return await run(args as z.output<z.ZodObject<S>>);
      } catch (error) {
        return refusal(error);
      }
    };
    server.registerTool(name, { description, inputSchema, annotations: { readOnlyHint: readOnly, openWorldHint: false } }, callback as never);
  };

  tool('list_projects', "Lists your organization's projects this agent may reach (owner/name, kind, state).", {}, async () => text(await backend.listProjects()), true);

  if (canRead) {
    tool(
      'list_files',
      'Lists the files and directories at a path of a project repository (paginated, 100 per page).',
      { repository: repositoryInput, path: pathInput.default(''), ref: refInput.optional(), page: z.number().int().min(1).max(1000).default(1) },
      async ({ repository, path, ref, page }) => {
        const octokit = await backend.repositoryClient(repository, { contents: 'read' }, 'list_files');
        const answer = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...split(repository), path, ...(ref ? { ref } : {}) });
        const entries = (Array.isArray(answer.data) ? answer.data : [answer.data]) as { type: string; path: string; size: number }[];
        const start = (page - 1) * filesPerPage;
        return text({
          entries: entries.slice(start, start + filesPerPage).map((e) => ({ type: e.type, path: e.path, size: e.size })),
          page,
          more: entries.length > start + filesPerPage,
        });
      },
      true,
    );
    tool(
      'read_file',
      `Reads a text file of a project repository (at most ${maxReadBytes / 1024} KB; a longer file is cut and says so).`,
      { repository: repositoryInput, path: pathInput.refine((p) => p !== '', 'path: name a file'), ref: refInput.optional() },
      async ({ repository, path, ref }) => {
        const octokit = await backend.repositoryClient(repository, { contents: 'read' }, 'read_file');
        const answer = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...split(repository), path, ...(ref ? { ref } : {}) });
        const file = answer.data as { type?: string; content?: string; size?: number; sha?: string };
        if (Array.isArray(answer.data) || file.type !== 'file') return refusal(new Error(`${path} is a directory; use list_files.`));
        const bytes = Buffer.from(file.content ?? '', 'base64');
        if (bytes.subarray(0, 8000).includes(0)) return text({ path, sha: file.sha, size: file.size, binary: true });
        const cut = bytes.length > maxReadBytes;
        return text({ path, sha: file.sha, size: bytes.length, truncated: cut, content: bytes.subarray(0, maxReadBytes).toString('utf8') });
      },
      true,
    );
  }

  if (canWrite) {
    tool(
      'write_file',
      'Writes a text file to a project repository as one commit (creates or replaces it), on the default branch or the branch named.',
      {
        repository: repositoryInput,
        path: pathInput.refine((p) => p !== '', 'path: name a file'),
        content: z.string().refine((c) => Buffer.byteLength(c) <= maxWriteBytes, `content: at most ${maxWriteBytes / 1024 / 1024} MB`),
        message: z.string().trim().min(1, 'message: the commit message').max(2000),
        branch: branchInput.optional(),
      },
      async ({ repository, path, content, message, branch }) => {
        const octokit = await backend.repositoryClient(repository, { contents: 'write' }, 'write_file');
        const where = { ...split(repository), path };
        const existing = await octokit
          .request('GET /repos/{owner}/{repo}/contents/{path}', { ...where, ...(branch ? { ref: branch } : {}) })
          .then((a) => (a.data as { sha?: string }).sha, (error: unknown) => (status(error) === 404 ? undefined : Promise.reject(error)));
        const answer = await octokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
          ...where,
          message,
          content: Buffer.from(content).toString('base64'),
          ...(branch ? { branch } : {}),
          ...(existing ? { sha: existing } : {}),
        });
        const data = answer.data as { commit: { sha: string }; content: { sha: string } };
        return text({ path, commit: data.commit.sha, created: !existing });
      },
      false,
    );
    tool(
      'create_branch',
      'Creates a branch in a project repository, from the default branch or the branch named.',
      { repository: repositoryInput, branch: branchInput, from: branchInput.optional() },
      async ({ repository, branch, from }) => {
        const octokit = await backend.repositoryClient(repository, { contents: 'write' }, 'create_branch');
        const where = split(repository);
        const source = from ?? ((await octokit.request('GET /repos/{owner}/{repo}', where)).data as { default_branch: string }).default_branch;
        const head = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...where, ref: `heads/${source}` });
        const sha = (head.data as { object: { sha: string } }).object.sha;
        await octokit.request('POST /repos/{owner}/{repo}/git/refs', { ...where, ref: `refs/heads/${branch}`, sha });
        return text({ branch, from: source, sha });
      },
      false,
    );
  }

  if (canPull) {
    tool(
      'open_pull_request',
      'Opens a pull request in a project repository, from a branch (head) into another (base, the default branch if omitted).',
      {
        repository: repositoryInput,
        title: z.string().trim().min(1, 'title: required').max(256),
        head: branchInput,
        base: branchInput.optional(),
        body: z.string().max(65_536).optional(),
      },
      async ({ repository, title, head, base, body }) => {
        const octokit = await backend.repositoryClient(repository, { pull_requests: 'write' }, 'open_pull_request');
        const where = split(repository);
        const into = base ?? ((await octokit.request('GET /repos/{owner}/{repo}', where)).data as { default_branch: string }).default_branch;
        const answer = await octokit.request('POST /repos/{owner}/{repo}/pulls', { ...where, title, head, base: into, ...(body ? { body } : {}) });
        const pull = answer.data as { number: number; html_url: string };
        return text({ number: pull.number, url: pull.html_url });
      },
      false,
    );
  }
}
