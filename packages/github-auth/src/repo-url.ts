import { GitHubAuthError } from './errors.js';

export interface ParsedRepoUrl {
  /** `https`, `http`, `ssh` or `git` (`ssh` for the scp form `git@host:owner/repo`) */
  protocol: string;
  /** host plus any path prefix before owner/repo (a proxy prefix), without scheme or credentials */
  base: string;
  host: string;
  owner: string;
  repo: string;
  /** `base/owner/repo`, the form `urlPattern` is matched against */
  normalized: string;
}

const segment = /^[A-Za-z0-9_.-]+$/;
const dotSegment = /(?:^|[/:])(?:\.|%2e){1,2}(?=[/?#]|$)/i;

/**
 * Reads a repository URL in any form git accepts for GitHub: https with or without `.git`, a trailing slash,
 * query or credentials; a path prefix (proxies); `git@host:owner/repo(.git)`; `ssh://git@host/owner/repo`.
 */
export function parseRepoUrl(input: string): ParsedRepoUrl {
  const raw = input.trim();
  if (raw === '') throw new GitHubAuthError('invalid_repo_url', 'the repository URL is empty');
  // Checked before URL parsing, which would resolve them away: a path step is never an owner or a name.
  if (dotSegment.test(raw))
    throw new GitHubAuthError('invalid_repo_url', `"${redact(raw)}" holds a "." or ".." path segment`);
  let host: string;
  let path: string;
  let protocol = 'ssh';
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(raw);
  if (!raw.includes('://') && scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new GitHubAuthError(
        'invalid_repo_url',
        `"${redact(raw)}" is not a repository URL (expected https://HOST/OWNER/REPO or git@HOST:OWNER/REPO)`,
      );
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) {
      throw new GitHubAuthError(
        'invalid_repo_url',
        `"${redact(raw)}" uses ${url.protocol} which git does not use for GitHub`,
      );
    }
    host = url.host;
    path = decodeURIComponent(url.pathname);
    protocol = url.protocol.slice(0, -1);
  }
  const parts = path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter(Boolean);
  if (parts.length < 2)
    throw new GitHubAuthError('invalid_repo_url', `"${redact(raw)}" does not name OWNER/REPO`);
  const repo = parts.pop()!.replace(/\.git$/, '');
  const owner = parts.pop()!;
  // `.` and `..` are path steps, not names: a remote ".../../x" must not reach another owner's repository.
  if (!segment.test(owner) || !segment.test(repo) || [owner, repo].some((s) => s === '.' || s === '..')) {
    throw new GitHubAuthError('invalid_repo_url', `"${redact(raw)}" has an invalid owner or repository name`);
  }
  const base = [host.toLowerCase(), ...parts].join('/');
  return { protocol, base, host: host.toLowerCase(), owner, repo, normalized: `${base}/${owner}/${repo}` };
}

/** Never echo credentials found in a URL. */
function redact(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
