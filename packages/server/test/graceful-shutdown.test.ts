import { expect, it } from 'vitest';
import { startHarness } from './service-harness.js';

it('finishes a request in flight when asked to stop, and accepts no new connection after', async () => {
  const h = await startHarness();
  const ada = await h.signIn('user_ada');
  await h.connect(ada, 'ada', 'tisket-com');
  await h.hub.sandbox!.sim.webhooks.settle();
  await h.hub.receiver.settle();
  // GitHub answers slowly: the admin's reconcile request is still running when the stop comes.
  h.hub.sandbox!.sim.faults.add({ route: 'GET /app/installations/{installation_id}', latencyMs: 1500, times: 1 });
  const inFlight = h.api(ada, 'POST', '/api/github/reconcile', {});
  await new Promise((resolve) => setTimeout(resolve, 400));
  const stopping = h.hub.close();
  const answer = await inFlight;
  expect(answer.status).toBe(200);
  expect(answer.body.status).toBe('done');
  await stopping;
  await expect(fetch(`${h.hub.url}/healthz`)).rejects.toThrow();
}, 90_000);
