import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFile } from 'node:fs/promises';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { hubgateBaseUrl } from '@hubgate/github-auth';

/**
 * `hubgate mcp`: the MCP server over stdio, for clients that start their servers as processes (Claude Desktop,
 * editors). It holds no tools itself: every message goes to `HUBGATE_URL/mcp` with the agent key (or the workload's
 * ID token from `HUBGATE_ID_TOKEN_FILE`), so the tools,
 * the grant and every check are the service's, and nothing here can reach GitHub on its own.
 */
export async function runMcpBridge(env: NodeJS.ProcessEnv): Promise<void> {
  const raw = env.HUBGATE_URL?.trim();
  const key = env.HUBGATE_AGENT_KEY?.trim();
  const tokenFile = env.HUBGATE_ID_TOKEN_FILE?.trim();
  if (!raw || (!key && !tokenFile))
    throw new Error('hubgate mcp needs HUBGATE_URL (the address of hubgate) and HUBGATE_AGENT_KEY, or HUBGATE_ID_TOKEN_FILE (a workload identity)');
  const base = hubgateBaseUrl(raw);
  // A workload's ID token is read again for every request: the kubelet rotates the file, and tokens expire.
  const bearer = async () => (key ? key : (await readFile(tokenFile!, 'utf8')).trim());
  const upstream = new StreamableHTTPClientTransport(new URL('mcp', base), {
    fetch: async (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${await bearer()}`);
      return fetch(url, { ...init, headers });
    },
  });
  const local = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    local.onclose = () => resolve();
    upstream.onclose = () => resolve();
  });
  local.onmessage = (message) => {
    upstream.send(message).catch((error: Error) => process.stderr.write(`hubgate mcp: ${error.message}\n`));
  };
  upstream.onmessage = (message) => {
    void local.send(message);
  };
  upstream.onerror = (error) => process.stderr.write(`hubgate mcp: ${error.message}\n`);
  await upstream.start();
  await local.start();
  await closed;
  await Promise.allSettled([upstream.close(), local.close()]);
}
