import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';

/** `/{owner}/{repo}(.git)/info/refs`, `/git-upload-pack`, `/git-receive-pack` */
const gitPath =
  /^\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface GitRequestTarget {
  owner: string;
  repo: string;
  service: 'git-upload-pack' | 'git-receive-pack';
  tail: string;
}

export function parseGitRequest(method: string, url: string): GitRequestTarget | null {
  const parsed = new URL(url, 'http://sim');
  const match = gitPath.exec(parsed.pathname);
  if (!match) return null;
  const [, owner, repo, tail] = match as unknown as [string, string, string, string];
  if (tail === 'info/refs') {
    const service = parsed.searchParams.get('service');
    if (method !== 'GET' || (service !== 'git-upload-pack' && service !== 'git-receive-pack')) return null;
    return { owner, repo, service, tail };
  }
  if (method !== 'POST') return null;
  return { owner, repo, service: tail as GitRequestTarget['service'], tail };
}

/**
 * Serves one smart-HTTP request with `git http-backend` (CGI) over a real bare repository.
 * Node has no CGI adapter, hence this small bridge: environment in, status line and headers parsed out.
 */
export function serveWithHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  gitDir: string,
  target: GitRequestTarget,
  remoteUser: string,
) {
  const url = new URL(req.url ?? '/', 'http://sim');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_PROJECT_ROOT: dirname(gitDir),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${basename(gitDir)}/${target.tail}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.searchParams.toString(),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
  };
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  if (req.headers['content-length']) env.CONTENT_LENGTH = String(req.headers['content-length']);

  const child = spawn('git', ['http-backend'], { env });
  req.pipe(child.stdin);
  let headerBuffer = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    headerBuffer = Buffer.concat([headerBuffer, chunk]);
    const end = headerBuffer.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    for (const line of headerBuffer.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(headerBuffer.subarray(end + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => {
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
}
