import { GitHubAuthError, parseRepoUrl } from '@hubgate/github-auth';
import { AppError } from '../errors/app-error.js';

const ownerSlashName = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/** What an agent named: the repository (`owner/name`, lower-cased) and, when it sent a URL, where it will use the token. */
export interface RepositoryTarget {
  fullName: string;
  /** the URL's protocol and host (with its port), and any path before owner/name; null for a bare `owner/name` */
  remote: { protocol: string; host: string; base: string } | null;
}

/**
 * `owner/name` itself or any URL form git uses for the repository (https with or without `.git`,
 * `git@host:owner/name`, `ssh://...`), read by the library's `parseRepoUrl` so that the broker and the credential
 * helper agree on what names a repository. The URL's host is kept: a token is handed out only for the host of the
 * app that owns the project (`remoteAllowed`).
 */
export function repositoryTarget(input: string): RepositoryTarget {
  const trimmed = input.trim();
  const plain = ownerSlashName.exec(trimmed);
  if (plain) return { fullName: `${plain[1]}/${plain[2]!.replace(/\.git$/, '')}`.toLowerCase(), remote: null };
  try {
    const parsed = parseRepoUrl(trimmed);
    const base = parsed.base.slice(parsed.host.length);
    return {
      fullName: `${parsed.owner}/${parsed.repo}`.toLowerCase(),
      remote: { protocol: parsed.protocol, host: parsed.host, base },
    };
  } catch (error) {
    if (!(error instanceof GitHubAuthError)) throw error;
    throw new AppError('bad_request', `repository: ${error.message}; send owner/name or the repository's URL`, {
      details: { field: 'repository' },
    });
  }
}

/**
 * Whether a token of the app whose web address is `webUrl` may be used at this remote: https (or the app's own
 * scheme, for a simulator on plain http) on the app's host and port, with no path in front of owner/name that the
 * app does not have. ssh remotes name the host only (the token is never sent over ssh; the host must still match).
 */
export function remoteAllowed(remote: RepositoryTarget['remote'], webUrl: string): boolean {
  if (!remote) return true;
  const app = new URL(webUrl);
  const appBase = app.pathname.replace(/\/+$/, '');
  if (remote.protocol === 'ssh' || remote.protocol === 'git')
    return remote.host.replace(/:\d+$/, '') === app.hostname.toLowerCase();
  return `${remote.protocol}:` === app.protocol && remote.host === app.host.toLowerCase() && remote.base === appBase;
}

/** The origin a token of the app is for, as a refusal names it. */
export const appOrigin = (webUrl: string) => new URL(webUrl).origin;
