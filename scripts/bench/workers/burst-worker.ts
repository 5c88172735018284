/**
 * One process of the cold-burst fleet: builds its client, waits for "go" on stdin, fires its share of the
 * burst at once, and prints how long it took. Separate processes, because @octokit/auth-app keeps its
 * pending promises at module level: four clients in one process would share them, four servers do not.
 */
import { type FleetConfig, type FleetTarget, fleetMember } from '../lib/fleet-clients.js';

const config = JSON.parse(process.env.BENCH_CONFIG!) as {
  name: FleetConfig;
  target: FleetTarget;
  requests: number;
};
const member = fleetMember(config.name, config.target);

process.stdout.write('{"ready":true}\n');
process.stdin.once('data', async () => {
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: config.requests }, () => member.ask()));
  const ms = performance.now() - started;
  const failed = results.filter((r) => r.status === 'rejected').length;
  await member.close();
  process.stdout.write(`${JSON.stringify({ ms, failed })}\n`, () => process.exit(0));
});
