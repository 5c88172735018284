// The JSON API's shapes, mirroring docs' API contract (/api/session, /api/github/*, /api/projects,
// /api/agent-keys). Fields a server may not send yet are optional, so every view renders without them.

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
    /** 422 on project create: a free name on GitHub */
    suggestion?: string;
    /** 403 on project create: where the owner accepts the missing permission */
    acceptUrl?: string;
  };
}

export type Session =
  | { signedIn: false; productName?: string }
  | {
      signedIn: true;
      user: { id: string; name?: string | null; email?: string | null };
      organization?: { id: string; name?: string | null };
      organizationId: string | null;
      role?: string | null;
      isAdmin: boolean;
      csrfToken: string;
      productName?: string;
    };
export type SignedInSession = Extract<Session, { signedIn: true }>;

export type AccountType = 'Organization' | 'User';
export interface Account {
  login: string;
  type: AccountType;
}

export type ConnectionState = 'disconnected' | 'connected' | 'suspended' | 'uninstalled' | 'previously_connected';

/** `pending` while the restore job has not reached the item yet */
export type ReconnectItemResult = 'pending' | 'restored' | 'missing' | 'deleted' | 'moved';
export interface ReconnectResult {
  status: 'running' | 'done' | 'none';
  progress: { done: number; total: number };
  items: {
    projectId: string;
    name: string;
    /** `fullName` is null for a repository hubgate never learnt the name of */
    repository: { id: number; fullName: string | null };
    result: ReconnectItemResult;
    selectUrl?: string;
  }[];
}

export interface Connection {
  state?: ConnectionState;
  canManage: boolean;
  connected: boolean;
  installationId?: number;
  account?: Account;
  installedAt?: string;
  /** today's server: a boolean beside `suspendedAt` */
  suspended?: boolean;
  suspendedAt?: string | null;
  repositorySelection?: 'all' | 'selected';
  warning?: string | null;
  manageUrl?: string;
  pendingPermissions?: { permissions: Record<string, string>; acceptUrl: string } | null;
  missingPermissions?: string[];
  previous?: { account: Account; disconnectedAt: string; reason: 'disconnected' | 'uninstalled' } | null;
  claimable?: { installationId: number; account: Account }[];
  reconnect?: ReconnectResult | null;
}

export interface DisconnectResult {
  disconnected: true;
  revokedTokens: number;
  uninstalled: boolean;
}

export type ProjectKind = 'project' | 'team' | 'guide';
export type RepositoryAccess = 'reachable' | 'missing' | 'deleted' | 'moved' | 'unknown';
export interface Project {
  id: string;
  name: string;
  slug: string;
  kind: ProjectKind;
  createdAt: string;
  repository: {
    id: number;
    fullName: string;
    htmlUrl: string;
    private: boolean;
    access: RepositoryAccess;
    checkedAt: string | null;
  };
}

export interface AgentKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface CreatedAgentKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  /** shown once */
  key: string;
}

export interface TenantApp {
  key?: string;
  apiUrl: string;
  webUrl: string;
  appId: number | null;
  clientId: string | null;
  slug: string | null;
  urlPattern: string | null;
  keyFingerprint: string | null;
  webhookSecretFingerprint: string | null;
  webhookUrl: string | null;
  validatedAt: string | null;
  problems: string[];
}
export interface TenantAppInput {
  clientId?: string;
  appId?: number;
  privateKey: string;
  apiUrl: string;
  webUrl?: string;
  urlPattern?: string;
  webhookSecret: string;
  clientSecret?: string;
  slug?: string;
}
