import { GitHubSim, type SimClock } from '@hubgate/github-sim';

export const redisUrl =
  process.env.REDIS_URL_TEST ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/2';
export const postgresUrl =
  process.env.DATABASE_URL_TEST ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchWorld {
  sim: GitHubSim;
  appId: number;
  clientId: string;
  privateKey: string;
  /** an installation on "Only select repositories" with one repository, for the scoped rows */
  installationId: number;
  repositoryId: number;
  close(): Promise<void>;
}

/**
 * The simulator with one app and one installation reaching one repository. Rate limits are lifted: the bench
 * measures our costs, not GitHub's budget (the sim enforces 5,000 an hour by default).
 */
export async function startWorld(options: { mintLatencyMs?: number; clock?: SimClock } = {}): Promise<BenchWorld> {
  const sim = await GitHubSim.start({
    behaviour: { mintLatencyMs: options.mintLatencyMs ?? 0 },
    rateLimits: { app: 1e12, installation: 1e12, maxConcurrent: 1e9 },
    clock: options.clock,
  });
  sim.addUser('ada');
  sim.addOrg('tisket-com', { ada: 'admin' });
  const { app, privateKey } = sim.addApp({ slug: 'tisket', ownerLogin: 'tisket-com', webhookUrl: null });
  const repo = await sim.createRepository('tisket-com', 'developer-guide', { autoInit: false });
  const installation = sim.install(app, 'tisket-com', {
    selection: 'selected',
    repositories: ['developer-guide'],
  });
  return {
    sim,
    appId: app.id,
    clientId: app.clientId,
    privateKey: privateKey!,
    installationId: installation.id,
    repositoryId: repo.id,
    close: () => sim.close(),
  };
}

/** `count` more installations of the world's app, each on an organization of its own (no repositories). */
export function addInstallations(world: BenchWorld, count: number, tag: string): number[] {
  const app = world.sim.store.requireApp(world.appId);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const login = `bench-${tag}-${i}`;
    world.sim.addOrg(login);
    ids.push(world.sim.install(app, login, { selection: 'all' }).id);
  }
  return ids;
}

/** `count` more repositories reached by the world's installation (a bare git repository each). */
export async function addRepositories(world: BenchWorld, count: number, tag: string): Promise<number[]> {
  const app = world.sim.store.requireApp(world.appId);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const repo = await world.sim.createRepository('tisket-com', `bench-${tag}-${i}`, {
      autoInit: false,
      creatorApp: app,
    });
    ids.push(repo.id);
  }
  return ids;
}

/** The least-privilege scope the README recommends: one repository and one permission. */
export function leastPrivilege(world: BenchWorld) {
  return { repositoryIds: [world.repositoryId], permissions: { contents: 'write' as const } };
}

/**
 * `count` installations for the 1k-100k rows, cloned from one made through the simulator's seeding API. That
 * API looks accounts and installations up by scanning (fine for tests, quadratic at 100,000), so the clones go
 * into its store directly: to the mint route they are installations like any other (all repositories of an
 * organization that has none).
 */
export function cloneInstallations(world: BenchWorld, count: number, tag: string): number[] {
  const [template] = addInstallations(world, 1, `${tag}-template`);
  const original = world.sim.store.installations.get(template!)!;
  const ids: number[] = [template!];
  const base = 90_000_000 + Math.floor(Math.random() * 1000) * 1_000_000;
  for (let i = 1; i < count; i++) {
    const id = base + i;
    world.sim.store.installations.set(id, {
      ...original,
      id,
      repositoryIds: new Set(),
      permissions: { ...original.permissions },
      events: [...original.events],
    });
    ids.push(id);
  }
  return ids;
}
