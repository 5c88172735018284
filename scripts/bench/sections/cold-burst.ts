import { randomBytes } from 'node:crypto';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { messages, spawnWorker, stopChild } from '../lib/children.js';
import { dropPrefix, type FleetConfig, fleetConfigLabels, newPrefix } from '../lib/fleet-clients.js';
import { ratios } from '../lib/report.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { addRepositories, redisUrl, startWorld } from '../lib/world.js';

const configs: FleetConfig[] = ['hubgate-redis', 'octokit-default', 'octokit-redis'];

/**
 * A cold fleet hit by a burst: 4 processes, nothing cached anywhere, every caller at once. Counts the mints
 * GitHub served and the wall time from "go" to the last answer (measured by this process).
 */
export async function coldBurst(bench: Bench) {
  const processes = 4;
  const burst = bench.quick ? 1000 : 5000;
  const mintLatencyMs = 300;
  const w = await startWorld({ mintLatencyMs });
  const workers = Array.from({ length: processes }, () => spawnWorker('burst-worker.ts', {}));
  const channels = workers.map(messages);
  const rounds = await inHeavyRounds(bench, async (round) => {
    const out = {} as Record<FleetConfig, { mints: number; ms: number; failed: number }>;
    // A fresh repository scope per configuration and round: cold for every client.
    const repos = await addRepositories(w, configs.length, `burst${round}${randomBytes(3).toString('hex')}`);
    for (const [i, name] of configs.entries()) {
      const target = {
        apiUrl: w.sim.apiUrl,
        appId: w.appId,
        clientId: w.clientId,
        privateKey: w.privateKey,
        installationId: w.installationId,
        repositoryId: repos[i]!,
        redisUrl,
        prefix: newPrefix(),
        cipherKey: randomBytes(32).toString('hex'),
      };
      const before = w.sim.mintCount(w.installationId);
      try {
        for (const c of channels) c.send({ build: { name, target, requests: burst / processes } });
        await Promise.all(channels.map((c) => c.next(60_000)));
        const started = performance.now();
        const done = channels.map((c) => c.next<{ ms: number; failed: number }>(60_000));
        for (const c of channels) c.send({ go: true });
        const answers = await Promise.all(done);
        out[name] = {
          ms: performance.now() - started,
          mints: w.sim.mintCount(w.installationId) - before,
          failed: answers.reduce((n, a) => n + a.failed, 0),
        };
      } finally {
        await dropPrefix(redisUrl, target.prefix);
      }
    }
    return out;
  }).finally(async () => {
    for (const c of channels) c.send({ exit: true });
    await Promise.all(workers.map((worker) => stopChild(worker)));
  });
  await w.close();
  const col = (name: FleetConfig, key: 'mints' | 'ms') => rounds.map((r) => r[name][key]);
  const r = bench.report;
  r.section(
    `4. Cold burst: ${burst.toLocaleString('en-US')} concurrent requests across ${processes} processes, one scope, nothing cached`,
    `GitHub's mint latency is ${mintLatencyMs} ms (simulated). Wall time runs from "go" to the last answer in any process. The floor of the wall time is one mint's latency (${mintLatencyMs} ms).`,
  );
  r.table(
    ['client', 'mints', 'wall time', 'wall time ÷ hubgate', 'wall time ÷ floor'],
    configs.map((name) => [
      fleetConfigLabels[name],
      showSpread(spread(col(name, 'mints'))),
      showSpread(spread(col(name, 'ms')), 'ms'),
      showRatio(ratios(col(name, 'ms'), col('hubgate-redis', 'ms'))),
      showRatio(spread(col(name, 'ms').map((ms) => ms / mintLatencyMs))),
    ]),
  );
  const failed = rounds.reduce((n, x) => n + configs.reduce((m, c) => m + x[c].failed, 0), 0);
  const hubMints = spread(col('hubgate-redis', 'mints')).median;
  const wall = ratios(col('octokit-default', 'ms'), col('hubgate-redis', 'ms')).median;
  r.note(
    `What this shows: one mint for the fleet against ${num(spread(col('octokit-default', 'mints')).median)} for @octokit/auth-app (one per process) and ${num(spread(col('octokit-redis', 'mints')).median)} with its shared Redis cache (no fleet-wide lock). The wall time is ${wall >= 0.9 && wall <= 1.1 ? 'at parity' : `${num(wall)}x`} (auth-app ÷ hubgate): every caller waits for one mint either way, so the burst is not a speed win.${failed ? ` ${failed} calls failed.` : ''}`,
  );
  r.check('burst: hubgate mints once for the fleet', hubMints === 1, `${num(hubMints)} mints`);
}
