import { afterAll, beforeAll, expect, it } from 'vitest';
import { capturedLogs, type Harness, startHarness } from './service-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('keeps tokens, keys and secrets out of every log line of a full connect, webhook and disconnect run', async () => {
  const ada = await h.signIn('user_ada');
  await h.connect(ada, 'ada', 'tisket-com');
  const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
  const token = await h.hub.apps.system.tokens.getToken({ installationId: connection.installationId });
  // Something that logs a token by mistake, as code does: the logger must mask it.
  h.hub.logger.warn({ token: token.token, header: `Bearer ${token.token}` }, `retrying with ${token.token}`);
  h.hub.logger.error(new Error(`boom ${h.hub.github.privateKey}`));
  const sim = h.hub.sandbox!.sim;
  sim.world.suspend(sim.store.installations.get(connection.installationId)!, sim.store.requireAccount('ada'));
  await sim.webhooks.settle();
  await h.hub.receiver.settle();
  await h.api(ada, 'POST', '/api/github/disconnect', {});

  const all = capturedLogs.join('\n');
  expect(capturedLogs.length).toBeGreaterThan(10);
  expect(all).toMatch(/"path":"\/github\/callback"/);
  expect(all).not.toMatch(/code=|state=/);
  expect(all).not.toContain(token.token);
  expect(all).not.toMatch(/gh[suor]_[A-Za-z0-9]{20,}/);
  expect(all).not.toMatch(/BEGIN RSA PRIVATE KEY-----\s*[A-Za-z0-9+/]{20}/);
  expect(all).not.toContain(h.hub.github.clientSecret);
  for (const secret of h.hub.github.webhookSecrets) expect(all).not.toContain(secret);
  expect(all).toContain('[redacted]');
});
