import type { RepoRow } from '../stores/repo-store.js';
import type { Project } from '@hubgate/contract';

/** `Project` of the API contract (@hubgate/contract). */
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
