import { randomBytes } from 'node:crypto';
import {
  createAppCredentials,
  InstallationTokenProvider,
  RedisTokenStore,
  silentLogger,
  systemClock,
  TokenCipher,
} from '@hubgate/github-auth';
import { Redis } from 'ioredis';
import { type Bench, inRounds } from '../lib/bench.js';
import { dropPrefix, newPrefix } from '../lib/fleet-clients.js';
import { ratios } from '../lib/report.js';
import { median, num, showRatio, showSpread, spread } from '../lib/stats.js';
import { addInstallations, redisUrl, startWorld } from '../lib/world.js';

/**
 * A process that has never seen the tokens (a new replica, a restarted pod) asking for 64 of them at once,
 * all in Redis: hubgate's process-cold path against the floor of 64 raw ioredis GETs of the same entries.
 */
export async function redisCold(bench: Bench) {
  const inFlight = 64;
  const w = await startWorld();
  const ids = addInstallations(w, inFlight, `cold${randomBytes(3).toString('hex')}`);
  const prefix = newPrefix();
  const store = new RedisTokenStore({
    redis: redisUrl,
    cipher: new TokenCipher(randomBytes(32)),
    clock: systemClock,
    logger: silentLogger,
    prefix,
  });
  const app = createAppCredentials({ clientId: w.clientId, privateKey: w.privateKey, apiUrl: w.sim.apiUrl });
  const coldProvider = () => new InstallationTokenProvider({ app, redis: store });
  const filler = coldProvider();
  await Promise.all(ids.map((installationId) => filler.getToken({ installationId })));
  const raw = new Redis(redisUrl);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    // Token entries only: not the per-token and per-installation indexes, generations or locks.
    keys.push(...found.filter((k) => !/by-token|installation:|generation:|lookup|revocations/.test(k) && !k.endsWith(':lock')));
  } while (cursor !== '0');
  if (keys.length !== inFlight) throw new Error(`expected ${inFlight} token entries in Redis, found ${keys.length}`);
  const mintsBefore = w.sim.mintCount();
  const batches = bench.quick ? 20 : 60;
  const rounds = await inRounds(bench, async () => {
    const hub: number[] = [];
    const floor: number[] = [];
    for (let b = 0; b < batches; b++) {
      const provider = coldProvider();
      let t = performance.now();
      await Promise.all(ids.map((installationId) => provider.getToken({ installationId })));
      hub.push(performance.now() - t);
      t = performance.now();
      await Promise.all(keys.map((key) => raw.get(key)));
      floor.push(performance.now() - t);
    }
    return { hub: median(hub), floor: median(floor) };
  });
  const minted = w.sim.mintCount() - mintsBefore;
  raw.disconnect();
  await store.close();
  await dropPrefix(redisUrl, prefix);
  await w.close();
  const hub = rounds.map((x) => x.hub * 1000);
  const floor = rounds.map((x) => x.floor * 1000);
  const ratio = ratios(hub, floor);
  const r = bench.report;
  r.section(
    `6. Process-cold tokens from Redis, ${inFlight} in flight`,
    `A new provider (empty process tier) asks for ${inFlight} installations' tokens at once, all present in Redis; the floor is ${inFlight} raw ioredis GETs of the same entries on one connection. Each round is the median of ${batches} batches.${minted ? ` (${minted} mints happened during the rows: the figures include them.)` : ''}`,
  );
  r.table(
    ['what', `${inFlight} in flight, wall time`, '÷ floor'],
    [
      ['hubgate `getToken`, process-cold, Redis warm', showSpread(spread(hub), 'µs'), showRatio(ratio)],
      ['floor: raw ioredis GET', showSpread(spread(floor), 'µs'), '1x'],
    ],
  );
  r.goal({
    what: 'process-cold token from Redis, 64 in flight',
    goal: '≤ 1.5x a raw ioredis GET',
    measured: `${num(ratio.median)}x [${num(ratio.min)}–${num(ratio.max)}]`,
    met: ratio.median <= 1.5,
  });
  r.check('redis cold under 8x raw GET', ratio.median < 8, `${num(ratio.median)}x`);
}
