import type { AgentKeyList, Connection, EventDelivery, EventSettings, Project, ProjectList, ReconnectResult, TenantAppAnswer, TrustPolicyList } from './api-contract.js';
import type { RecordedAccess } from './vocabulary.js';

/**
 * One answer for each state the API can be in, as the server sends it (each parses with the contract's strict
 * schemas: packages/server/test/api-contract.test.ts). The settings UI's component tests render every one of
 * them for an admin and a member; an embedding product can use them the same way.
 */

const installedAt = '2026-01-15T10:00:00.000Z';
const account: Extract<Connection, { connected: true }>['account'] = { login: 'tisket-com', type: 'Organization' };
const live: Omit<Extract<Connection, { connected: true }>, 'state'> = {
  connected: true,
  canManage: true,
  installationId: 4242,
  account,
  installedAt,
  suspended: false,
  suspendedAt: null,
  repositorySelection: 'selected',
  warning: null,
  missingPermissions: [],
  pendingPermissions: null,
  manageUrl: 'https://github.com/organizations/tisket-com/settings/installations/4242',
  reconnect: null,
};

export const connections = {
  disconnected: { state: 'disconnected', connected: false, canManage: true, claimable: [], previous: null, reconnect: null },
  claimable: {
    state: 'disconnected',
    connected: false,
    canManage: true,
    claimable: [{ installationId: 4242, account }],
    previous: null,
    reconnect: null,
  },
  previouslyConnected: {
    state: 'previously_connected',
    connected: false,
    canManage: true,
    claimable: [],
    previous: { account, disconnectedAt: '2026-02-01T09:00:00.000Z', reason: 'disconnected' },
    reconnect: null,
  },
  /** a plain Disconnect leaves the app installed: the installation is claimable again */
  previouslyConnectedStillInstalled: {
    state: 'previously_connected',
    connected: false,
    canManage: true,
    claimable: [{ installationId: 4242, account }],
    previous: { account, disconnectedAt: '2026-02-01T09:00:00.000Z', reason: 'disconnected' },
    reconnect: null,
  },
  uninstalled: {
    state: 'previously_connected',
    connected: false,
    canManage: true,
    claimable: [],
    previous: { account, disconnectedAt: '2026-02-01T09:00:00.000Z', reason: 'uninstalled' },
    reconnect: null,
  },
  connected: { ...live, state: 'connected' },
  allRepositories: {
    ...live,
    state: 'connected',
    repositorySelection: 'all',
    warning: 'The installation can see every repository of tisket-com.',
  },
  suspended: { ...live, state: 'suspended', suspended: true, suspendedAt: '2026-03-01T08:00:00.000Z' },
  pendingPermissions: {
    ...live,
    state: 'connected',
    pendingPermissions: {
      permissions: { issues: 'write' },
      acceptUrl: 'https://github.com/organizations/tisket-com/settings/installations/4242/permissions/update',
    },
  },
  missingPermissions: { ...live, state: 'connected', missingPermissions: ['administration: write'] },
} satisfies Record<string, Connection>;

export type ConnectionFixture = keyof typeof connections;

const restoreItem = (n: number, result: ReconnectResult['items'][number]['result']) => ({
  projectId: `00000000-0000-4000-8000-00000000000${n}`,
  name: `Project ${n}`,
  repository: { id: 700_000 + n, fullName: `tisket-com/project-${n}.tickets` },
  result,
  ...(result === 'missing' ? { selectUrl: 'https://github.com/organizations/tisket-com/settings/installations/4242' } : {}),
});

export const reconnectResults = {
  running: { status: 'running', progress: { done: 1, total: 3 }, items: [restoreItem(1, 'restored'), restoreItem(2, 'pending'), restoreItem(3, 'pending')] },
  needsAction: { status: 'done', progress: { done: 3, total: 3 }, items: [restoreItem(1, 'restored'), restoreItem(2, 'missing'), restoreItem(3, 'missing')] },
  allRestored: { status: 'done', progress: { done: 2, total: 2 }, items: [restoreItem(1, 'restored'), restoreItem(2, 'restored')] },
} satisfies Record<string, ReconnectResult>;

/** A connected answer that carries a restore result (the route adds it to a live connection). */
export const connectedWithRestore = (result: keyof typeof reconnectResults): Connection => ({
  ...connections.connected,
  reconnect: reconnectResults[result],
});

export function project(n: number, access: RecordedAccess, overrides: Partial<Project> = {}): Project {
  return {
    id: `00000000-0000-4000-8000-00000000000${n}`,
    name: `Project ${n}`,
    slug: `project-${n}`,
    kind: 'project',
    createdAt: '2026-01-16T10:00:00.000Z',
    repository: {
      id: 700_000 + n,
      fullName: `tisket-com/project-${n}.tickets`,
      htmlUrl: `https://github.com/tisket-com/project-${n}.tickets`,
      private: true,
      access,
      checkedAt: '2026-01-16T10:00:01.000Z',
    },
    ...overrides,
  };
}

export const projectLists = {
  empty: { projects: [] },
  everyAccess: {
    projects: [project(1, 'reachable'), project(2, 'missing'), project(3, 'deleted'), project(4, 'moved'), project(5, 'unknown')],
  },
  reachable: { projects: [project(1, 'reachable'), project(2, 'reachable')] },
} satisfies Record<string, ProjectList>;

const grant = { projects: { all: true }, permissions: { contents: 'write' }, maxTokenLifetimeSeconds: 3600 } as const;
export const agentKeyLists = {
  empty: { keys: [] },
  some: {
    keys: [
      {
        id: '11111111-1111-4111-8111-111111111111',
        name: 'ci-runner',
        prefix: 'hgk_live_ab12',
        createdAt: '2026-01-20T10:00:00.000Z',
        lastUsedAt: '2026-01-21T10:00:00.000Z',
        revokedAt: null,
        expiresAt: null,
        grant,
      },
      {
        id: '22222222-2222-4222-8222-222222222222',
        name: 'triage-bot',
        prefix: 'hgk_live_cd34',
        createdAt: '2026-01-22T10:00:00.000Z',
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: '2026-12-31T00:00:00.000Z',
        grant: { projects: { kinds: ['team'] }, permissions: { contents: 'read', issues: 'write' }, maxTokenLifetimeSeconds: 900 },
      },
    ],
  },
} satisfies Record<string, AgentKeyList>;

export const trustPolicyLists = {
  empty: { audience: 'https://hubgate.example.com/tenants/org_01TISKET', policies: [] },
} satisfies Record<string, TrustPolicyList>;

export const tenantApps = {
  none: {
    app: null,
    setup: {
      callbackUrl: 'https://hubgate.example.com/github/callback',
      setupUrl: 'https://hubgate.example.com/github/setup',
      webhookUrl: 'https://hubgate.example.com/webhooks/github/t0123456789abcdef',
    },
  },
  validated: {
    app: {
      key: 't0123456789abcdef',
      apiUrl: 'https://ghes.example.com/api/v3',
      webUrl: 'https://ghes.example.com',
      appId: 12,
      clientId: 'Iv1.0123456789abcdef',
      slug: 'tisket-ghes',
      urlPattern: null,
      issuerIsAppId: false,
      keyFingerprint: 'SHA256:abc',
      webhookSecretFingerprint: 'SHA256:def',
      webhookUrl: 'https://hubgate.example.com/webhooks/github/t0123456789abcdef',
      validatedAt: '2026-01-25T10:00:00.000Z',
      problems: [],
    },
    setup: {
      callbackUrl: 'https://hubgate.example.com/github/callback',
      setupUrl: 'https://hubgate.example.com/github/setup',
      webhookUrl: 'https://hubgate.example.com/webhooks/github/t0123456789abcdef',
    },
  },
} satisfies Record<string, TenantAppAnswer>;

const delivery = (id: number, status: EventDelivery['status'], extra: Partial<EventDelivery> = {}): EventDelivery => ({
  id,
  deliveryId: `5e0c2a7e-0000-4000-8000-00000000000${id}`,
  event: 'push',
  action: null,
  project: 'Engineering',
  foundBy: 'webhook',
  status,
  attempts: 1,
  lastStatus: status === 'delivered' ? 200 : 500,
  lastError: status === 'delivered' ? null : 'The endpoint answered 500.',
  createdAt: '2026-02-01T10:00:00.000Z',
  deliveredAt: status === 'delivered' ? '2026-02-01T10:00:01.000Z' : null,
  nextAttemptAt: status === 'pending' ? '2026-02-01T10:05:00.000Z' : null,
  ...extra,
});

export const eventSettings = {
  none: { endpoint: null, deploymentEndpoint: false, recent: [], deadLetters: [] },
  working: {
    endpoint: { url: 'https://product.example/hooks/hubgate', previousSecretUntil: null, updatedBy: 'user_ada', updatedAt: '2026-02-01T09:00:00.000Z' },
    deploymentEndpoint: false,
    recent: [delivery(3, 'delivered'), delivery(2, 'delivered', { foundBy: 'reconcile', deliveryId: 'reconcile:4201:8a1f' })],
    deadLetters: [],
  },
  failing: {
    endpoint: { url: 'https://product.example/hooks/hubgate', previousSecretUntil: '2026-02-02T09:00:00.000Z', updatedBy: 'user_ada', updatedAt: '2026-02-01T09:00:00.000Z' },
    deploymentEndpoint: true,
    recent: [delivery(5, 'pending', { attempts: 3 }), delivery(4, 'dead', { attempts: 17 })],
    deadLetters: [delivery(4, 'dead', { attempts: 17 })],
  },
} satisfies Record<string, EventSettings>;
