import type { Browserless } from './browserless.js';
import { RepoStore } from '../src/stores/repo-store.js';
import type { Harness } from './service-harness.js';

export const tisket = 'org_01TISKET';
export const acme = 'org_02ACME';

/**
 * A project of `organizationId` with its repository on the simulated GitHub (created in `ownerLogin`, and
 * given to the installation when there is one). The project row goes in through our own RepoStore: the
 * projects API that creates both is being built on another branch; until it lands this builds the same state.
 */
export async function createProject(
  h: Harness,
  organizationId: string,
  ownerLogin: string,
  name: string,
  options: { installationId?: number } = {},
) {
  const sim = h.hub.sandbox!.sim;
  const repo = await sim.createRepository(ownerLogin, name);
  const owner = sim.store.requireAccount(ownerLogin);
  if (options.installationId !== undefined) {
    sim.world.addRepository(sim.store.installations.get(options.installationId)!, repo, owner);
    await sim.webhooks.settle();
    await h.hub.receiver.settle();
  }
  const project = await new RepoStore(h.hub.db.db).insert({
    organizationId,
    slug: name,
    name,
    githubRepoId: repo.id,
    accountId: owner.id,
    fullName: `${ownerLogin}/${name}`,
    accessState: 'reachable',
  });
  return { repo, project };
}

/** A repository on the simulated GitHub that is no project of anyone's (reached by the installation if given). */
export async function createLooseRepository(h: Harness, ownerLogin: string, name: string, installationId?: number) {
  const sim = h.hub.sandbox!.sim;
  const repo = await sim.createRepository(ownerLogin, name);
  if (installationId !== undefined) {
    sim.world.addRepository(sim.store.installations.get(installationId)!, repo, sim.store.requireAccount(ownerLogin));
    await sim.webhooks.settle();
    await h.hub.receiver.settle();
  }
  return repo;
}

/** Connects the tenant of `browser` to `accountLogin` (selected repositories) and answers the installation id. */
export async function connected(h: Harness, browser: Browserless & { csrf: string }, githubLogin: string, accountLogin: string) {
  await h.connect(browser, githubLogin, accountLogin);
  const connection = (await h.api(browser, 'GET', '/api/github/connection')).body;
  if (!connection.connected) throw new Error(`not connected: ${JSON.stringify(connection)}`);
  return connection.installationId as number;
}

/** An agent key made by an admin through the API. */
export async function createAgentKey(h: Harness, admin: Browserless & { csrf: string }, name = 'ci runner') {
  const created = await h.api(admin, 'POST', '/api/agent-keys', { name });
  if (created.status !== 201) throw new Error(`key not created: ${JSON.stringify(created.body)}`);
  return created.body as { id: string; key: string; prefix: string; name: string };
}

/** The agents' API over real HTTP: `{ status, body, headers }`. */
export async function askToken(url: string, key: string | null, body: unknown) {
  const response = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== null ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export async function revokeToken(url: string, token: string) {
  const response = await fetch(`${url}/api/v1/tokens/current`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, text: await response.text() };
}
