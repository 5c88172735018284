import { randomBytes } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { ConcordCacheModel } from '../lib/concord-cache-model.js';
import { installFakeTime } from '../lib/fake-time.js';
import {
  dropPrefix,
  type FleetConfig,
  fleetConfigLabels,
  fleetConfigs,
  fleetMember,
  newPrefix,
} from '../lib/fleet-clients.js';
import { ratios } from '../lib/report.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { redisUrl, startWorld } from '../lib/world.js';

const processes = 4;
const warmupHours = 1;

/**
 * The bench's own model: a fleet of 4 members on a fake clock, each asking once a simulated minute, in turns,
 * every refresh settled before the next step. It counts mints exactly and is deterministic, but nobody races:
 * "nobody waited" is partly true by construction here; the racing run (next section) measures it for real.
 */
export async function fleetModel(bench: Bench) {
  const hours = 24;
  const stepMs = bench.quick ? 120_000 : 60_000;
  const steps = ((hours + warmupHours) * 3600_000) / stepMs;
  const warmSteps = (warmupHours * 3600_000) / stepMs;
  const w = await startWorld();
  const target = {
    apiUrl: w.sim.apiUrl,
    appId: w.appId,
    clientId: w.clientId,
    privateKey: w.privateKey,
    installationId: w.installationId,
    repositoryId: w.repositoryId,
    redisUrl,
    cipherKey: randomBytes(32).toString('hex'),
  };
  const mints = () => w.sim.mintCount(w.installationId);

  type Name = FleetConfig | 'concord';
  const names: Name[] = [...fleetConfigs, 'concord'];
  // One fake clock for the whole section, only ever moving forward: @octokit/plugin-throttling keeps its
  // Bottleneck limiters at module level and schedules on Date.now, so a clock moved back would stall them.
  const fake = installFakeTime();
  const rounds = await inHeavyRounds(bench, async () => {
    const result = {} as Record<Name, { perHour: number; waited: number }>;
    for (const name of names) {
      const prefix = newPrefix();
      let members: { ask: () => Promise<unknown>; idle: () => Promise<void>; close(): Promise<void> }[];
      if (name === 'concord') {
        const auth = createAppAuth({
          appId: w.appId,
          privateKey: w.privateKey,
          request: request.defaults({ baseUrl: w.sim.apiUrl }),
        });
        const mint = async () =>
          (
            await auth({
              type: 'installation',
              installationId: w.installationId,
              repositoryIds: [w.repositoryId],
              permissions: { contents: 'write' },
              refresh: true,
            })
          ).token;
        members = Array.from({ length: processes }, () => {
          const model = new ConcordCacheModel(mint);
          let step = 0;
          // Concord keys its cache by the URL as given: `repo` and `repo.git` are two entries.
          const ask = () =>
            model.get(`https://github.com/tisket-com/developer-guide${step++ % 2 ? '.git' : ''}`);
          return { ask, idle: async () => {}, close: async () => {} };
        });
      } else {
        members = Array.from({ length: processes }, () => fleetMember(name, { ...target, prefix }));
      }
      let warmMints = 0;
      let waited = 0;
      let calls = 0;
      try {
        for (let step = 0; step < steps; step++) {
          fake.advance(stepMs);
          for (const member of members) {
            const before = mints();
            await member.ask();
            if (step >= warmSteps) {
              calls++;
              if (mints() > before) waited++;
            }
          }
          await Promise.all(members.map((m) => m.idle()));
          if (step === warmSteps - 1) warmMints = mints();
        }
        result[name] = { perHour: (mints() - warmMints) / hours, waited: waited / calls };
      } finally {
        await Promise.all(members.map((m) => m.close()));
        await dropPrefix(redisUrl, prefix);
      }
    }
    return result;
  }).finally(() => fake.restore());
  await w.close();

  const perHour = (name: Name) => rounds.map((r) => r[name].perHour);
  const waited = (name: Name) => rounds.map((r) => r[name].waited * 100);
  const r = bench.report;
  r.section(
    `2. Mints per installation-hour: the model (${hours} simulated hours, ${processes} members, in turns)`,
    `A fake clock moves ${stepMs / 1000} s per step; each member asks once per step for the least-privilege scope, and every background refresh settles before the next step; the first ${warmupHours} h is warm-up. This is the bench's own model: exact and deterministic, but nobody races (see section 3 for the fleet on a real clock). The floor is one mint per token lifetime (1.00 per hour).`,
  );
  r.table(
    ['cache', 'mints per installation-hour', '÷ floor (1/h)', '÷ hubgate with Redis', 'calls that waited for a mint'],
    names.map((name) => [
      name === 'concord'
        ? 'Concord model: per process, per repository URL as given (two forms), 50 min'
        : fleetConfigLabels[name],
      showSpread(spread(perHour(name))),
      `${num(spread(perHour(name)).median)}x`,
      showRatio(ratios(perHour(name), perHour('hubgate-redis'))),
      showSpread(spread(waited(name)), '%'),
    ]),
  );
  const hub = spread(perHour('hubgate-redis')).median;
  r.note(
    `hubgate refreshes ${5} minutes ahead of expiry, so a token serves about 55 of its 60 minutes: ${num(hub)} mints per hour with Redis (60/55 = 1.09 is the model's expectation), against ${num(spread(perHour('octokit-redis')).median)} for @octokit/auth-app on a shared Redis cache, which in turns never collides. Without Redis each member refreshes on its own: ${num(spread(perHour('hubgate-local')).median)} per hour against auth-app's default ${num(spread(perHour('octokit-default')).median)}.`,
  );
  r.check('model: hubgate with Redis mints at most 1.2 per installation-hour', hub <= 1.2, num(hub));
}
