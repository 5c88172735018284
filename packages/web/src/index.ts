// The settings UI as components a SaaS can embed in its own React client (see docs/ui.md).
export { HubgateClient, ApiError } from './api/client.ts';
export type * from '@hubgate/server/api-contract';
export { HubgateProvider } from './context.tsx';
export { GitHubConnection } from './sections/GitHubConnection.tsx';
export { Projects } from './sections/Projects.tsx';
export { AgentKeys } from './sections/AgentKeys.tsx';
export { GitHubApp } from './sections/GitHubApp.tsx';
export { SettingsApp } from './app/SettingsApp.tsx';
