// The README's example, run as it is written; the last test checks the README still shows exactly this code.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// README:start
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { GitHubSim } from '../src/index.js';
import { afterEach, beforeEach, expect, it } from 'vitest';

let sim: GitHubSim;
beforeEach(async () => {
  sim = await GitHubSim.start({ record: true }); // port 0: a free one; record: keep every REST exchange
});
afterEach(() => sim.close());

it('lists what my app can reach', async () => {
  // Seed a world: users, an organization, your app, repositories, an installation.
  sim.addUser('ada');
  sim.addOrg('acme', { ada: 'admin' });
  const { app, privateKey } = sim.addApp({ slug: 'my-app', ownerLogin: 'acme', webhookUrl: 'http://127.0.0.1:4000/hooks' });
  await sim.createRepository('acme', 'tickets');
  const installation = sim.install(app, 'acme', { by: 'ada', selection: 'selected', repositories: ['tickets'] });

  const octokit = new Octokit({
    baseUrl: sim.apiUrl, // http://127.0.0.1:PORT/api/v3
    authStrategy: createAppAuth,
    auth: { appId: app.id, privateKey: privateKey!, installationId: installation.id },
  });
  const { data } = await octokit.request('GET /installation/repositories');
  expect(data.repositories.map((r) => r.name)).toEqual(['tickets']);

  // The webhooks GitHub would have sent (installation.created here), signed with the app's secret.
  await sim.webhooks.settle();
  expect(sim.webhooks.deliveries.map((d) => `${d.event}.${d.action}`)).toContain('installation.created');
  // Every REST exchange, for checking your client's traffic.
  expect(sim.exchanges.at(-1)).toMatchObject({ route: 'GET /installation/repositories', status: 200 });
});
// README:end

it('is the code the README shows', () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const shown = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const here = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const run = /\/\/ README:start\n([\s\S]*?)\/\/ README:end/.exec(here)![1]!;
  expect(run.replace("from '../src/index.js';", "from '@hubgate/github-sim';")).toBe(shown);
});
