import { GitHubAuthError, parseRepoUrl } from '@hubgate/github-auth';
import { AppError } from '../errors/app-error.js';

const ownerSlashName = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/**
 * `owner/name`, lower-cased, from what an agent sends: `owner/name` itself or any URL form git uses for the
 * repository (https with or without `.git`, `git@host:owner/name`, `ssh://...`), read by the library's
 * `parseRepoUrl` so that the broker and the credential helper agree on what names a repository.
 */
export function repositoryFullName(input: string): string {
  const trimmed = input.trim();
  const plain = ownerSlashName.exec(trimmed);
  if (plain) return `${plain[1]}/${plain[2]!.replace(/\.git$/, '')}`.toLowerCase();
  try {
    const parsed = parseRepoUrl(trimmed);
    return `${parsed.owner}/${parsed.repo}`.toLowerCase();
  } catch (error) {
    if (!(error instanceof GitHubAuthError)) throw error;
    throw new AppError('bad_request', `repository: ${error.message}; send owner/name or the repository's URL`, {
      details: { field: 'repository' },
    });
  }
}
