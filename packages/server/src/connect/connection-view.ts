import type { AppRegistry } from '../apps/app-registry.js';
import type { Database } from '../db/database.js';
import type { ConnectionView } from '@hubgate/contract';
import type { TenantUser } from '../identity/principal.js';
import { InstallationStore } from '../stores/installation-store.js';
import { KnownInstallationStore } from '../stores/known-installation-store.js';

/** What hubgate needs of an installation: create repositories, push their content, prove org owners. */
export const requiredPermissions: Record<string, 'read' | 'write'> = {
  administration: 'write',
  contents: 'write',
  metadata: 'read',
  members: 'read',
};

const rank = { read: 1, write: 2, admin: 3 } as Record<string, number>;

export function missingPermissions(granted: Record<string, string>): string[] {
  return Object.entries(requiredPermissions)
    .filter(([name, level]) => (rank[granted[name] ?? ''] ?? 0) < rank[level]!)
    .map(([name, level]) => `${name}: ${level}`);
}

/** The tenant's GitHub connection as the settings page shows it, in every state it can be in. */
export async function connectionView(db: Database, apps: AppRegistry, user: TenantUser, productName = 'hubgate'): Promise<ConnectionView> {
  const installations = new InstallationStore(db);
  const row = await installations.liveForTenant(user.organizationId);
  const canManage = user.isAdmin;
  if (!row) {
    const previous = await installations.lastEndedForTenant(user.organizationId);
    const app = await apps.forTenant(user.organizationId);
    const claimable = canManage
      ? (await new KnownInstallationStore(db).unbound(app.key)).map((k) => ({
          installationId: k.installationId,
          account: { login: k.accountLogin, type: k.accountType },
        }))
      : [];
    const ended = previous && previous.endReason !== 'replaced' ? previous : null;
    return {
      state: ended ? ('previously_connected' as const) : ('disconnected' as const),
      connected: false as const,
      canManage,
      claimable,
      previous: ended
        ? {
            account: { login: ended.accountLogin, type: ended.accountType },
            disconnectedAt: ended.deletedAt!.toISOString(),
            reason: ended.endReason === 'uninstalled' ? ('uninstalled' as const) : ('disconnected' as const),
          }
        : null,
    };
  }
  const app = await apps.byKey(row.appKey);
  const account = { login: row.accountLogin, type: row.accountType };
  const manageUrl = app.urls.installation(account, row.installationId);
  const missing = missingPermissions(row.permissions);
  return {
    state: row.suspendedAt ? ('suspended' as const) : ('connected' as const),
    connected: true as const,
    canManage,
    installationId: row.installationId,
    account,
    installedAt: (row.installedAt ?? row.createdAt).toISOString(),
    suspended: row.suspendedAt !== null,
    suspendedAt: row.suspendedAt?.toISOString() ?? null,
    repositorySelection: row.repositorySelection,
    warning:
      row.repositorySelection === 'all'
        ? `This installation can see every repository of the account. ${productName} only asks for tokens scoped to the repositories it created, but "Only select repositories" is safer: change it on GitHub.`
        : null,
    missingPermissions: missing,
    pendingPermissions: missing.length > 0 ? { permissions: Object.fromEntries(missing.map((m) => m.split(': '))), acceptUrl: manageUrl } : null,
    manageUrl,
  };
}
