/**
 * One member of the racing fleet (section 3): a server process on a compressed clock. Date.now runs `speed`
 * times faster from a shared origin, so every member, the simulator, @octokit/auth-app's cache and hubgate's
 * provider agree on the simulated time. Requests arrive at random (Poisson) and are not awaited one by one:
 * a server answers many callers at once. Reports each call's interval on the machine-wide monotonic clock.
 */
import { type FleetConfig, type FleetTarget, fleetMember } from '../lib/fleet-clients.js';

interface RaceConfig {
  speed: number;
  originRealMs: number;
  originSimMs: number;
  meanIntervalSimMs: number;
  targets: Record<FleetConfig, FleetTarget>;
}

const config = JSON.parse(process.env.BENCH_CONFIG!) as RaceConfig;
const realNow = Date.now;
Date.now = () => Math.round(config.originSimMs + (realNow() - config.originRealMs) * config.speed);
// process.hrtime is CLOCK_MONOTONIC, the same clock in every process of the machine.
const monoMs = () => Number(process.hrtime.bigint()) / 1e6;

const members = Object.entries(config.targets).map(([name, target]) => ({
  name: name as FleetConfig,
  member: fleetMember(name as FleetConfig, target),
  calls: [] as number[],
  failures: 0,
}));

process.stdout.write('{"ready":true}\n');
process.stdin.once('data', async (chunk) => {
  const { untilMono } = JSON.parse(String(chunk)) as { untilMono: number };
  const inFlight = new Set<Promise<void>>();
  await Promise.all(
    members.map(async (m) => {
      while (monoMs() < untilMono) {
        const gapReal = (-Math.log(1 - Math.random()) * config.meanIntervalSimMs) / config.speed;
        await new Promise((resolve) => setTimeout(resolve, gapReal));
        const started = monoMs();
        const call = m.member
          .ask()
          .then(
            () => {
              m.calls.push(started, monoMs());
            },
            () => {
              m.failures++;
            },
          )
          .finally(() => inFlight.delete(call));
        inFlight.add(call);
      }
    }),
  );
  await Promise.all(inFlight);
  const result: Record<string, { calls: number[]; failures: number }> = {};
  for (const m of members) result[m.name] = { calls: m.calls, failures: m.failures };
  for (const m of members) await m.member.close();
  // Exit only once the (large) line is flushed: a pipe takes it in pieces.
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
});
