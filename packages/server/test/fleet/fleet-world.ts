import { randomBytes } from 'node:crypto';
import { GitHubSim, seedDemo } from '@hubgate/github-sim';
import { type LocalOidcProvider, startLocalOidcProvider } from '../../src/sandbox/local-oidc-provider.js';
import { freshDatabase } from '../db-harness.js';

export interface FleetWorld {
  database: Awaited<ReturnType<typeof freshDatabase>>;
  sim: GitHubSim;
  oidc: LocalOidcProvider;
  /** what every `hubgate serve` replica of the fleet is started with; a test adds its own settings */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * What the replicas share, outside them all (docs/deploy.md): a fresh PostgreSQL database, one simulated GitHub with
 * the demo app pointed at `publicUrl` (the proxy in front of the replicas), and one OpenID provider.
 */
export async function startFleetWorld(publicUrl: string): Promise<FleetWorld> {
  const database = await freshDatabase('postgres');
  const sim = await GitHubSim.start();
  const webhookSecret = randomBytes(20).toString('hex');
  const demo = seedDemo(sim, {
    setupUrl: `${publicUrl}/github/setup`,
    callbackUrls: [`${publicUrl}/github/callback`],
    webhookUrl: `${publicUrl}/webhooks/github`,
    webhookSecret,
  });
  const oidc = await startLocalOidcProvider({ redirectUri: `${publicUrl}/auth/callback`, postLogoutRedirectUri: `${publicUrl}/auth/signed-out` });
  const env = {
    PUBLIC_URL: publicUrl,
    DATABASE_URL: database.url!,
    HUBGATE_SECRET_KEY: randomBytes(32).toString('hex'),
    HUBGATE_RECONCILE_INTERVAL_SECONDS: '0',
    HUBGATE_DATA_DIR: '/tmp/hubgate-fleet-unused',
    LOG_LEVEL: 'warn',
    GITHUB_APP_ID: String(demo.app.id),
    GITHUB_APP_CLIENT_ID: demo.app.clientId,
    GITHUB_APP_CLIENT_SECRET: demo.app.clientSecret,
    GITHUB_APP_SLUG: demo.app.slug,
    GITHUB_APP_PRIVATE_KEY: demo.privateKey,
    GITHUB_APP_WEBHOOK_SECRET: webhookSecret,
    GITHUB_API_URL: sim.apiUrl,
    GITHUB_WEB_URL: sim.webUrl,
    OIDC_ISSUER: oidc.issuer,
    OIDC_CLIENT_ID: oidc.clientId,
    OIDC_CLIENT_SECRET: oidc.clientSecret,
  };
  return {
    database,
    sim,
    oidc,
    env,
    async close() {
      await sim.webhooks.settle();
      await sim.close();
      await oidc.close();
      await database.close();
    },
  };
}
