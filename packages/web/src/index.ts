// The settings UI as components a SaaS can embed in its own React client (see docs/ui.md).
export { HubgateClient, ApiError } from './api/client.ts';
// The API's types, from the server's contract (docs/ui.md "The API contract").
export type {
  Account,
  AgentKey,
  ApiErrorBody,
  Connection,
  ConnectionState,
  CreatedAgentKey,
  DisconnectResult,
  Project,
  ProjectKind,
  ReconnectItemResult,
  ReconnectResult,
  RepositoryAccess,
  Session,
  SignedInSession,
  TenantApp,
  TenantAppInput,
  TrustPolicy,
} from '@hubgate/contract';
export { HubgateProvider } from './context.tsx';
export { GitHubConnection } from './sections/GitHubConnection.tsx';
export { Projects } from './sections/Projects.tsx';
export { AgentKeys } from './sections/AgentKeys.tsx';
export { TrustPolicies } from './sections/TrustPolicies.tsx';
export { GitHubApp } from './sections/GitHubApp.tsx';
export { SettingsApp } from './app/SettingsApp.tsx';
