import { randomBytes } from 'node:crypto';
import type { SimClock } from '@hubgate/github-sim';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { messages, spawnWorker, stopChild } from '../lib/children.js';
import {
  dropPrefix,
  type FleetConfig,
  fleetConfigLabels,
  fleetConfigs,
  type FleetTarget,
  newPrefix,
} from '../lib/fleet-clients.js';
import { ratios } from '../lib/report.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { addRepositories, redisUrl, startWorld } from '../lib/world.js';

const monoMs = () => Number(process.hrtime.bigint()) / 1e6;

/** The simulator's clock for the race: `speed` times real time from an origin shared with the workers. */
function compressedClock(originRealMs: number, speed: number): SimClock {
  let offset = 0;
  return {
    now: () => Math.round(originRealMs + (Date.now() - originRealMs) * speed) + offset,
    setOffsetMs: (ms) => {
      offset = ms;
    },
    advance: (ms) => {
      offset += ms;
    },
  };
}

/**
 * The fleet on a compressed real clock: 4 processes really racing against one simulator, every configuration
 * at once (each on an installation of its own), requests arriving at random and answered concurrently. Counts
 * mints, and callers who waited for one (a call is counted when a mint of its installation completed while
 * it was in flight: on the machine's monotonic clock, shared by the processes).
 */
export async function fleetRace(bench: Bench) {
  const processes = 4;
  // Not faster: hubgate's fleet lock waits up to 15 simulated seconds for the holder's mint, but sleeps in
  // real milliseconds between polls; at 600x that wait is 25 ms of real time, shorter than a mint on a
  // loaded 2-core machine, and waiters give up and mint themselves (an artifact of the compression).
  const speed = bench.quick ? 300 : 150;
  // The window holds one renewal of every configuration (tokens minted cold at the start are renewed
  // 55-59 minutes later); the rate over many hours is the model's job (section 2).
  const warmupHours = 0.25;
  const hours = 1;
  const meanIntervalSimMs = 20_000;
  const mintLatencySimMs = 300;

  const rounds = await inHeavyRounds(bench, async () => {
    const originRealMs = Date.now();
    const w = await startWorld({
      clock: compressedClock(originRealMs, speed),
      mintLatencyMs: Math.max(1, Math.round(mintLatencySimMs / speed)),
    });
    // One repository (hence one installation scope) per configuration, so they do not share tokens.
    const repos = await addRepositories(w, fleetConfigs.length, `race${randomBytes(3).toString('hex')}`);
    const mintTimes: number[] = [];
    const mintRepo: number[] = [];
    const world = w.sim.world;
    const tokens = w.sim.store.tokens;
    const originalSet = tokens.set.bind(tokens);
    // Every minted token passes through the store: note when, and for which repository scope.
    tokens.set = (key, token) => {
      if (token.kind === 'installation' && token.installationId === w.installationId) {
        mintTimes.push(monoMs());
        mintRepo.push(token.repositoryIds?.[0] ?? -1);
      }
      return originalSet(key, token);
    };
    void world;
    const cipherKey = randomBytes(32).toString('hex');
    const targets = {} as Record<FleetConfig, FleetTarget>;
    fleetConfigs.forEach((name, i) => {
      targets[name] = {
        apiUrl: w.sim.apiUrl,
        appId: w.appId,
        clientId: w.clientId,
        privateKey: w.privateKey,
        installationId: w.installationId,
        repositoryId: repos[i]!,
        redisUrl,
        prefix: newPrefix(),
        cipherKey,
      };
    });
    const workers = Array.from({ length: processes }, () =>
      spawnWorker('fleet-race-worker.ts', {
        speed,
        originRealMs,
        originSimMs: originRealMs,
        meanIntervalSimMs,
        targets,
      }),
    );
    try {
      const channels = workers.map(messages);
      await Promise.all(channels.map((c) => c.next(60_000)));
      const start = monoMs();
      const steadyFrom = start + (warmupHours * 3600_000) / speed;
      const until = steadyFrom + (hours * 3600_000) / speed;
      const answers = channels.map((c) => c.next<Record<FleetConfig, { calls: number[]; failures: number }>>());
      for (const c of channels) c.send({ untilMono: until });
      const results = await Promise.all(answers);
      const out = {} as Record<
        FleetConfig,
        { mints: number; renewals: number; waited: number; calls: number; failures: number }
      >;
      fleetConfigs.forEach((name, i) => {
        const mints = mintTimes.filter((t, k) => mintRepo[k] === repos[i] && t >= steadyFrom && t < until);
        // A renewal is a cluster of mints: the fleet's members reaching the end of a token's life together.
        const clusterGapMs = (10 * 60_000) / speed;
        const renewals = mints.filter((t, k) => k === 0 || t - mints[k - 1]! > clusterGapMs).length;
        let calls = 0;
        let waited = 0;
        let failures = 0;
        for (const result of results) {
          const { calls: intervals } = result[name];
          failures += result[name].failures;
          for (let k = 0; k < intervals.length; k += 2) {
            const from = intervals[k]!;
            const to = intervals[k + 1]!;
            if (from < steadyFrom || from >= until) continue;
            calls++;
            if (mints.some((t) => t >= from && t <= to)) waited++;
          }
        }
        out[name] = { mints: mints.length, renewals, waited: calls ? waited / calls : 0, calls, failures };
      });
      return out;
    } finally {
      await Promise.all(workers.map((worker) => stopChild(worker)));
      for (const t of Object.values(targets)) await dropPrefix(redisUrl, t.prefix);
      await w.close();
    }
  });

  const perRenewal = (name: FleetConfig) => rounds.map((r) => r[name].mints / Math.max(1, r[name].renewals));
  const renewals = (name: FleetConfig) => rounds.reduce((n, r) => n + r[name].renewals, 0);
  const waited = (name: FleetConfig) => rounds.map((r) => r[name].waited * 100);
  const r = bench.report;
  const realSeconds = ((warmupHours + hours) * 3600) / speed;
  r.section(
    `3. Mints per renewal: the fleet racing on a compressed real clock (${processes} processes)`,
    `${processes} separate processes share one simulator on a clock running ${speed}x (an hour passes in ${num(3600 / speed)} s; ${hours} simulated hour measured after ${warmupHours} h of warm-up, ${num(realSeconds)} s of real time per round, so each round holds one renewal of each configuration's token). A renewal is a cluster of mints less than 10 simulated minutes apart; mints per renewal is what a fleet pays each token lifetime (the floor is 1). All configurations run at once, each on its own repository scope. Each process receives a request every ${meanIntervalSimMs / 1000} simulated seconds on average per configuration (random arrivals, answered concurrently, never in turns); GitHub's mint latency is ${mintLatencySimMs} ms simulated. The clock is not compressed further because hubgate's fleet lock waits up to 15 simulated seconds for the holder's mint while sleeping real milliseconds between polls: at 600x that is 25 ms of real time, shorter than a mint on a loaded 2-core machine, and the waiters would mint themselves (measured: about 2 mints per hour, an artifact of the compression, not of the design). A caller "waited" when a mint of its scope completed while its call was in flight.`,
  );
  r.table(
    ['cache', 'mints per renewal', 'renewals seen', '÷ hubgate with Redis', 'calls that waited for a mint', 'calls per round (median)'],
    fleetConfigs.map((name) => [
      fleetConfigLabels[name],
      showSpread(spread(perRenewal(name))),
      String(renewals(name)),
      showRatio(ratios(perRenewal(name), perRenewal('hubgate-redis'))),
      showSpread(spread(waited(name)), '%'),
      num(spread(rounds.map((x) => x[name].calls)).median),
    ]),
  );
  const failures = rounds.reduce((n, x) => n + fleetConfigs.reduce((m, c) => m + x[c].failures, 0), 0);
  if (failures > 0) r.note(`${failures} calls failed during the race (counted neither as waits nor as calls).`);
  const hub = spread(perRenewal('hubgate-redis')).median;
  const shared = spread(perRenewal('octokit-redis')).median;
  r.note(
    `Under real concurrency, hubgate with Redis minted ${num(hub)} per renewal and ${num(spread(waited('hubgate-redis')).median)} % of calls waited; @octokit/auth-app on the same shared Redis minted ${num(shared)} per renewal (it has no fleet-wide lock: members that miss together all mint) and ${num(spread(waited('octokit-redis')).median)} % waited.`,
  );
  r.check('race: hubgate with Redis mints at most 1.5 per renewal', hub <= 1.5, num(hub));
  r.check(
    'race: hubgate with Redis mints no more than auth-app default',
    hub <= spread(perRenewal('octokit-default')).median,
    `${num(hub)} vs ${num(spread(perRenewal('octokit-default')).median)}`,
  );
  r.check(
    'race: under 1 % of hubgate-with-Redis calls waited for a mint',
    spread(waited('hubgate-redis')).median < 1,
    `${num(spread(waited('hubgate-redis')).median)} %`,
  );
}
