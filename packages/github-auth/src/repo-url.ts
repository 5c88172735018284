import { GitHubAuthError } from './errors.js';

export interface ParsedRepoUrl {
  /** host plus any path prefix before owner/repo (a proxy prefix), without scheme or credentials */
  base: string;
  host: string;
  owner: string;
  repo: string;
  /** `base/owner/repo`, the form `urlPattern` is matched against */
  normalized: string;
}

const segment = /^[A-Za-z0-9_.-]+$/;

/**
 * Reads a repository URL in any form git accepts for GitHub: https with or without `.git`, a trailing slash,
 * query or credentials; a path prefix (proxies); `git@host:owner/repo(.git)`; `ssh://git@host/owner/repo`.
 */
export function parseRepoUrl(input: string): ParsedRepoUrl {
  const raw = input.trim();
  if (raw === '') throw new GitHubAuthError('invalid_repo_url', 'the repository URL is empty');
  let host: string;
  let path: string;
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
  }
  const parts = path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter(Boolean);
  if (parts.length < 2)
    throw new GitHubAuthError('invalid_repo_url', `"${redact(raw)}" does not name OWNER/REPO`);
  const repo = parts.pop()!.replace(/\.git$/, '');
  const owner = parts.pop()!;
  if (!segment.test(owner) || !segment.test(repo) || repo === '' || repo === '.' || repo === '..') {
    throw new GitHubAuthError('invalid_repo_url', `"${redact(raw)}" has an invalid owner or repository name`);
  }
  const base = [host.toLowerCase(), ...parts].join('/');
  return { base, host: host.toLowerCase(), owner, repo, normalized: `${base}/${owner}/${repo}` };
}

/** Never echo credentials found in a URL. */
function redact(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
