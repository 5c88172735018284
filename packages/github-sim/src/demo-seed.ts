import type { GitHubSim } from './github-sim.js';
import type { SimApp } from './model.js';

export interface DemoSeed {
  app: SimApp;
  privateKey: string;
  /** classic PATs of the demo users (for the repository-selection endpoints GitHub reserves to them) */
  personalAccessTokens: Record<string, string>;
}

/**
 * The sandbox world: an app named Tisket, two organizations (tisket-com and acme-corp), an admin and a
 * member in the first, an admin in the second, and a personal account for each user.
 */
export function seedDemo(
  sim: GitHubSim,
  options: {
    setupUrl?: string | null;
    callbackUrls?: string[];
    webhookUrl?: string | null;
    webhookSecret?: string | null;
    requestOAuthOnInstall?: boolean;
    /** the app's private key (PKCS#1 PEM); made here, synchronously, when not given */
    privateKey?: string;
  } = {},
): DemoSeed {
  sim.addUser('ada', { name: 'Ada Admin' });
  sim.addUser('bob', { name: 'Bob Member' });
  sim.addUser('cyd', { name: 'Cyd Admin' });
  sim.addOrg('tisket-com', { ada: 'admin', bob: 'member' });
  sim.addOrg('acme-corp', { cyd: 'admin' });
  const { app, privateKey } = sim.addApp({
    slug: 'tisket',
    name: 'Tisket',
    ownerLogin: 'tisket-com',
    permissions: { contents: 'write', metadata: 'read', administration: 'write', members: 'read' },
    events: ['installation', 'installation_repositories', 'repository', 'push', 'create', 'delete'],
    setupUrl: options.setupUrl ?? null,
    callbackUrls: options.callbackUrls ?? [],
    webhookUrl: options.webhookUrl ?? null,
    webhookSecret: options.webhookSecret ?? null,
    requestOAuthOnInstall: options.requestOAuthOnInstall ?? false,
    ...(options.privateKey ? { privateKeys: [options.privateKey] } : {}),
  });
  const personalAccessTokens: Record<string, string> = {};
  for (const login of ['ada', 'bob', 'cyd']) {
    personalAccessTokens[login] = sim.world.addPersonalAccessToken(sim.store.requireUser(login), ['repo']);
  }
  return { app, privateKey: options.privateKey ?? privateKey!, personalAccessTokens };
}
