import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { GitHubSim } from '@hubgate/github-sim';
import type { GitHubAppSettings } from '../apps/github-app-settings.js';
import type { OidcConfig } from '../config.js';
import { signedOutPath } from '../http/routes/auth-routes.js';
import type { LocalOidcProvider } from './local-oidc-provider.js';

/** What a test may choose of the simulated GitHub: its limits and documented-or-newer behaviours. */
export type SandboxSimOptions = Parameters<typeof GitHubSim.start>[0];

export interface Sandbox {
  sim: GitHubSim;
  github: GitHubAppSettings;
  productName: string;
  oidc: OidcConfig;
  secretKey: string;
  personalAccessTokens: Record<string, string>;
  issueAccessToken: LocalOidcProvider['issueAccessToken'];
  close(): Promise<void>;
}

/**
 * The zero-config world: the GitHub simulator in-process with a demo app named Tisket (its setup, callback and
 * webhook URLs pointing here), demo GitHub accounts, and a local OpenID provider with demo users.
 */
export async function startSandbox(
  publicUrl: string,
  options: { requestOAuthOnInstall?: boolean; extraWebhookSecrets?: string[]; sim?: SandboxSimOptions; ports?: { github: number; oidc: number } } = {},
): Promise<Sandbox> {
  // The demo app's RSA key is made on the thread pool while the modules load (the simulator's own default is
  // synchronous: a few hundred milliseconds of a start on the main thread).
  const appKey = promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const { GitHubSim, seedDemo, startLocalOidcProvider } = await loadSandboxModules();
  const sim = await GitHubSim.start({ ...(options.ports?.github ? { port: options.ports.github } : {}), ...options.sim });
  const webhookSecret = randomBytes(20).toString('hex');
  const demo = seedDemo(sim, {
    privateKey: (await appKey).privateKey,
    setupUrl: `${publicUrl}/github/setup`,
    callbackUrls: [`${publicUrl}/github/callback`],
    webhookUrl: `${publicUrl}/webhooks/github`,
    webhookSecret,
    requestOAuthOnInstall: options.requestOAuthOnInstall ?? false,
  });
  const oidc = await startLocalOidcProvider({
    redirectUri: `${publicUrl}/auth/callback`,
    postLogoutRedirectUri: `${publicUrl}${signedOutPath}`,
    ...(options.ports?.oidc ? { port: options.ports.oidc } : {}),
  });
  return {
    sim,
    secretKey: randomBytes(32).toString('hex'),
    personalAccessTokens: demo.personalAccessTokens,
    issueAccessToken: oidc.issueAccessToken,
    productName: 'Tisket',
    github: {
      key: 'system',
      appId: demo.app.id,
      clientId: demo.app.clientId,
      clientSecret: demo.app.clientSecret,
      slug: demo.app.slug,
      privateKey: demo.privateKey,
      webhookSecrets: [webhookSecret, ...(options.extraWebhookSecrets ?? [])],
      apiUrl: sim.apiUrl,
      webUrl: sim.webUrl,
    },
    oidc: {
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      orgClaim: 'org_id',
      orgNameClaim: 'org_name',
      roleClaim: 'role',
      adminRole: 'admin',
    },
    async close() {
      await oidc.close();
      await sim.close();
    },
  };
}

/**
 * The simulator and the OpenID provider are optional peer dependencies of `@hubgate/server`: a production
 * install (a GitHub App configured) never loads them, so they are imported here, only when the sandbox starts.
 */
async function loadSandboxModules() {
  try {
    const [{ GitHubSim, seedDemo }, { startLocalOidcProvider }] = await Promise.all([
      import('@hubgate/github-sim'),
      import('./local-oidc-provider.js'),
    ]);
    return { GitHubSim, seedDemo, startLocalOidcProvider };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      `no GitHub App is configured (GITHUB_APP_*), and the sandbox needs the optional packages @hubgate/github-sim and oidc-provider: install them, or configure the app (${(error as Error).message.split('\n')[0]})`,
    );
  }
}
