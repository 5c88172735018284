export { createSimClock, type SimClock } from './clock.js';
export type { SimBehaviour, SimExchange } from './context.js';
export { type DemoSeed, seedDemo } from './demo-seed.js';
export type { FaultRule } from './faults.js';
export { GitHubSim, type GitHubSimOptions } from './github-sim.js';
export type {
  Permissions,
  RepositorySelection,
  SimAccount,
  SimApp,
  SimInstallation,
  SimInstallRequest,
  SimOrg,
  SimRepo,
  SimToken,
  SimUser,
} from './model.js';
export type { RateLimitSettings } from './rate-limits.js';
export type { SeedAppOptions, SeededApp } from './store.js';
export type { WebhookDelivery } from './webhook-dispatcher.js';
