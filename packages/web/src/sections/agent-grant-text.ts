import type { AgentGrant, Project } from '@hubgate/contract';

const permissionNames: Record<string, string> = { contents: 'Contents', pull_requests: 'Pull requests', issues: 'Issues', metadata: 'Metadata' };
const kindNames: Record<string, string> = { project: 'projects', team: 'teams', guide: 'guides' };

/** A grant as a key's row says it: which projects, which permissions, how long a token is handed out for. */
export function grantText(grant: AgentGrant, projects: Project[] | undefined): { projects: string; permissions: string; lifetime: string } {
  const named = (id: string) => projects?.find((p) => p.id === id)?.name ?? 'a deleted project';
  const which =
    'all' in grant.projects
      ? 'All projects'
      : 'ids' in grant.projects
        ? grant.projects.ids.map(named).join(', ')
        : `All ${grant.projects.kinds.map((k) => kindNames[k] ?? k).join(' and ')}`;
  const permissions = Object.entries(grant.permissions)
    .filter(([name]) => name !== 'metadata')
    .map(([name, level]) => `${permissionNames[name] ?? name}: ${level === 'write' ? 'read and write' : 'read'}`)
    .join(', ');
  return { projects: which, permissions, lifetime: lifetimeText(grant.maxTokenLifetimeSeconds) };
}

export function lifetimeText(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return minutes >= 60 && minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`;
}
