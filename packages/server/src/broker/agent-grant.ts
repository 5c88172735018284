import { AppError } from '../errors/app-error.js';
import {
  type AgentGrant,
  type AgentGrantPermissions,
  type CreateAgentKeyBody,
  grantablePermissions,
  type ProjectKind,
} from '@hubgate/contract';
import { defaultAgentGrant } from '../db/schema/agent-keys.js';
import type { AgentKeyStore } from '../stores/agent-key-store.js';

export { defaultAgentGrant };

/** A key may be created to expire at most this far ahead (a key for longer is one that is never rotated). */
export const maxKeyLifetimeMs = 366 * 24 * 3600_000;

/** The grant of a new key: what the admin named, the defaults for the rest, `metadata: read` always. */
export function grantOf(asked: CreateAgentKeyBody['grant']): AgentGrant {
  const permissions: AgentGrantPermissions = { ...(asked?.permissions ?? defaultAgentGrant.permissions), metadata: 'read' };
  if (!grantablePermissions.some((name) => permissions[name]))
    throw new AppError('bad_request', `grant.permissions: name at least one of ${grantablePermissions.join(', ')}`, {
      details: { field: 'grant.permissions' },
    });
  return {
    projects: asked?.projects ?? defaultAgentGrant.projects,
    permissions,
    maxTokenLifetimeSeconds: asked?.maxTokenLifetimeSeconds ?? defaultAgentGrant.maxTokenLifetimeSeconds,
  };
}

/** Refuses a grant that lists a project id that is not one of the tenant's (a grant may name only its own). */
export async function checkGrantProjects(store: AgentKeyStore, organizationId: string, grant: AgentGrant): Promise<void> {
  if (!('ids' in grant.projects)) return;
  const missing = await store.projectsNotOf(organizationId, grant.projects.ids);
  if (missing.length > 0)
    throw new AppError('bad_request', `grant.projects.ids: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a project here`, {
      details: { field: 'grant.projects.ids' },
    });
}

/** Whether the grant reaches this project of the key's tenant. */
export function grantReaches(grant: AgentGrant, project: { id: string; kind: ProjectKind }): boolean {
  if ('all' in grant.projects) return true;
  if ('ids' in grant.projects) return grant.projects.ids.includes(project.id);
  return grant.projects.kinds.includes(project.kind);
}

const rank = { read: 1, write: 2 } as const;

/**
 * The permissions of a token: those asked, or all the grant holds when none are asked; anything beyond the grant is
 * refused, naming each permission and the level the grant allows.
 */
export function permissionsWithin(grant: AgentGrant, asked: AgentGrantPermissions | undefined): Record<string, 'read' | 'write'> {
  const wanted: Record<string, 'read' | 'write'> = {};
  const source = asked && Object.keys(asked).some((k) => k !== 'metadata') ? asked : grant.permissions;
  const outside: string[] = [];
  for (const name of grantablePermissions) {
    const level = source[name];
    if (!level) continue;
    const allowed = grant.permissions[name];
    if (!allowed || rank[level] > rank[allowed]) outside.push(`${name}: ${level} (the key's grant allows ${allowed ?? 'none'})`);
    wanted[name] = level;
  }
  if (outside.length > 0)
    throw new AppError('forbidden', `Outside this agent key's grant: ${outside.join('; ')}.`, { details: { field: 'permissions' } });
  wanted.metadata = 'read';
  return wanted;
}

/** How a grant reads in a list or an audit row: "all projects; contents write, metadata read; 1 h". */
export function describeGrant(grant: AgentGrant): string {
  const projects =
    'all' in grant.projects
      ? 'all projects'
      : 'ids' in grant.projects
        ? `${grant.projects.ids.length} project${grant.projects.ids.length === 1 ? '' : 's'}`
        : `kinds ${grant.projects.kinds.join(', ')}`;
  const permissions = Object.entries(grant.permissions)
    .map(([name, level]) => `${name} ${level}`)
    .join(', ');
  const minutes = Math.round(grant.maxTokenLifetimeSeconds / 60);
  return `${projects}; ${permissions}; ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} min`}`;
}
