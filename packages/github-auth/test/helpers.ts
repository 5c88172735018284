import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSimClock, GitHubSim, type SimClock } from '@hubgate/github-sim';
import {
  type Clock,
  createAppCredentials,
  InstallationTokenProvider,
  type InstallationTokenProviderOptions,
  systemClock,
} from '../src/index.js';

export interface TestWorld {
  sim: GitHubSim;
  privateKey: string;
  appId: number;
  clientId: string;
  installationId: number;
  repoId: number;
  otherRepoId: number;
  provider: (
    options?: Partial<InstallationTokenProviderOptions> & { clock?: SimClock },
  ) => InstallationTokenProvider;
}

/** A simulator with one org, an app installed on "Only select repositories" (two repositories of three). */
export async function startWorld(
  options: { manualClock?: boolean; mintLatencyMs?: number } = {},
): Promise<TestWorld & { clock: SimClock }> {
  const clock = createSimClock({ manual: options.manualClock ?? false });
  const sim = await GitHubSim.start({ clock, behaviour: { mintLatencyMs: options.mintLatencyMs ?? 0 } });
  sim.addUser('ada');
  sim.addOrg('tisket-com', { ada: 'admin' });
  const { app, privateKey } = sim.addApp({ slug: 'tisket', ownerLogin: 'tisket-com' });
  const repo = await sim.createRepository('tisket-com', 'developer-guide');
  const other = await sim.createRepository('tisket-com', 'engineering.tickets');
  await sim.createRepository('tisket-com', 'customer-code');
  const installation = sim.install(app, 'tisket-com', {
    selection: 'selected',
    repositories: ['developer-guide', 'engineering.tickets'],
  });
  // On a manual clock the client shares the simulator's time; otherwise it keeps the real clock, so that an
  // offset set on the simulator is a real skew between the two.
  const clientClock: Clock = options.manualClock ? clock : systemClock;
  return {
    sim,
    clock,
    privateKey: privateKey!,
    appId: app.id,
    clientId: app.clientId,
    installationId: installation.id,
    repoId: repo.id,
    otherRepoId: other.id,
    provider: (overrides = {}) =>
      new InstallationTokenProvider({
        app: createAppCredentials({
          clientId: app.clientId,
          privateKey: privateKey!,
          apiUrl: sim.apiUrl,
          clock: overrides.clock ?? clientClock,
        }),
        clock: overrides.clock ?? clientClock,
        http: { retryBaseMs: 5 },
        ...overrides,
      }),
  };
}

export async function useToken(sim: GitHubSim, token: string, path = '/installation/repositories') {
  return fetch(`${sim.apiUrl}${path}`, { headers: { authorization: `token ${token}` } });
}

/**
 * The environment a git helper process is started with in these tests: the world's app (its key in a file in
 * `work`) against the simulator, which serves plain http (allowed here explicitly, as nothing else may be).
 */
export function helperAppEnv(world: TestWorld, work: string): NodeJS.ProcessEnv {
  const keyPath = join(work, 'app.pem');
  writeFileSync(keyPath, world.privateKey);
  return {
    ...process.env,
    GITHUB_APP_CLIENT_ID: world.clientId,
    GITHUB_APP_PRIVATE_KEY_PATH: keyPath,
    GITHUB_API_URL: world.sim.apiUrl,
    GITHUB_APP_ALLOW_HTTP: '1',
  };
}
