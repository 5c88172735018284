export type PermissionLevel = 'read' | 'write' | 'admin';
export type Permissions = Record<string, PermissionLevel>;
export type RepositorySelection = 'all' | 'selected';
export type AccountType = 'User' | 'Organization';

export interface SimAccount {
  id: number;
  nodeId: string;
  login: string;
  type: AccountType;
  name: string | null;
  createdAt: number;
}

export interface SimUser extends SimAccount {
  type: 'User';
  email: string | null;
}

export interface SimOrg extends SimAccount {
  type: 'Organization';
  /** user id -> role in the org */
  members: Map<number, 'admin' | 'member'>;
}

export interface SimApp {
  id: number;
  nodeId: string;
  slug: string;
  name: string;
  clientId: string;
  clientSecret: string;
  ownerId: number;
  /** PEM public keys; GitHub allows up to 25 at once (rotation). */
  publicKeys: string[];
  permissions: Permissions;
  events: string[];
  webhookUrl: string | null;
  webhookSecret: string | null;
  setupUrl: string | null;
  callbackUrls: string[];
  requestOAuthOnInstall: boolean;
  setupOnUpdate: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SimRepo {
  id: number;
  nodeId: string;
  ownerId: number;
  name: string;
  description: string | null;
  private: boolean;
  archived: boolean;
  defaultBranch: string;
  createdAt: number;
  updatedAt: number;
  pushedAt: number;
  /** directory of the bare git repository backing it */
  gitDir: string;
}

export interface SimInstallation {
  id: number;
  appId: number;
  accountId: number;
  selection: RepositorySelection;
  repositoryIds: Set<number>;
  permissions: Permissions;
  events: string[];
  createdAt: number;
  updatedAt: number;
  suspendedAt: number | null;
  suspendedById: number | null;
}

export type TokenKind = 'installation' | 'user' | 'refresh' | 'pat';

export interface SimToken {
  kind: TokenKind;
  value: string;
  appId: number | null;
  installationId: number | null;
  userId: number | null;
  /** installation tokens: the repositories the token was narrowed to; null = all the installation reaches */
  repositoryIds: number[] | null;
  permissions: Permissions;
  /** classic PAT scopes */
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  revoked: boolean;
  /** user tokens: the other half of the access/refresh pair */
  pairedWith?: string;
}

export interface SimInstallRequest {
  id: number;
  appId: number;
  accountId: number;
  requesterId: number;
  selection: RepositorySelection;
  repositoryIds: number[];
}
