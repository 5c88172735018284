import type { RepoRow } from '../stores/repo-store.js';
import type { ProjectKind } from './repo-naming.js';

export type ProjectAccess = 'reachable' | 'missing' | 'deleted' | 'moved' | 'unknown';

/** `Project` of the API contract (/work/briefs/api-contract.md "Projects"). */
export interface ProjectView {
  id: string;
  name: string;
  slug: string;
  kind: ProjectKind;
  createdAt: string;
  repository: {
    id: number | null;
    fullName: string | null;
    htmlUrl: string | null;
    private: boolean;
    access: ProjectAccess;
    checkedAt: string | null;
  };
}

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
