import type { RepoRow } from '../stores/repo-store.js';
import type { Project, RepositoryAccess } from '../http/api-contract.js';

export type ProjectAccess = RepositoryAccess;
/** `Project` of the API contract (http/api-contract.ts). */
export type ProjectView = Project;

export function projectView(row: RepoRow, webUrl: string): ProjectView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    kind: row.kind,
    createdAt: row.createdAt.toISOString(),
    repository: {
      id: row.githubRepoId,
      fullName: row.fullName,
      htmlUrl: row.fullName ? `${webUrl}/${row.fullName}` : null,
      private: row.private,
      access: row.accessState === 'creating' ? 'unknown' : row.accessState,
      checkedAt: row.checkedAt ? row.checkedAt.toISOString() : null,
    },
  };
}
