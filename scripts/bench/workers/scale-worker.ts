/**
 * Section 9's process: a provider caching 1 to 100,000 installations' tokens, minted through the simulator
 * (in the parent process, so its memory is not counted here). Reports heap and RSS after a full GC at each
 * size, warm getToken over all cached keys, revokeInstallation's event-loop block, and the hit rate of a
 * default-configured provider over 100,000 hot keys with Redis behind it. Run with --expose-gc.
 */
import { randomBytes } from 'node:crypto';
import {
  createAppCredentials,
  type InstallationToken,
  InstallationTokenProvider,
  RedisTokenStore,
  silentLogger,
  systemClock,
  TokenCipher,
} from '@hubgate/github-auth';
import { installationScope } from '../../../packages/github-auth/src/installation-token.js';
import { nsPerCall } from '../lib/bench.js';

interface ScaleConfig {
  apiUrl: string;
  clientId: string;
  privateKey: string;
  /** the first installation, then `base + i` for the i-th (the parent clones them in one range) */
  firstId: number;
  base: number;
  sizes: number[];
  rounds: number;
  callsPerRound: number;
  redisUrl: string | null;
  prefix: string;
  /** the fill stops before a size it would not reach within this budget at the rate measured so far */
  fillBudgetMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc!;
const send = (message: unknown) =>
  new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));

function settledHeap() {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss };
}

function shuffled(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function inParallel(count: number, width: number, work: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** A token for `request` written to Redis with the store's own API, shaped like `real`, as another replica would. */
function writeAsAnotherReplica(redis: RedisTokenStore, provider: InstallationTokenProvider, real: InstallationToken, request: { installationId: number }) {
  return redis.set(
    provider.cacheKey(request),
    installationScope(provider.app.appKey, provider.app.apiUrl, request.installationId),
    { ...structuredClone(real), token: `ghs_${randomBytes(18).toString('hex')}`, installationId: request.installationId },
    null,
  );
}

async function main(config: ScaleConfig) {
  const app = createAppCredentials({ clientId: config.clientId, privateKey: config.privateKey, apiUrl: config.apiUrl });
  const redis = config.redisUrl
    ? new RedisTokenStore({
        redis: config.redisUrl,
        cipher: new TokenCipher(randomBytes(32)),
        clock: systemClock,
        logger: silentLogger,
        prefix: config.prefix,
      })
    : null;
  const max = config.sizes[config.sizes.length - 1]!;
  const baseline = settledHeap();
  // Sized by configuration to hold every key: this measures what each cached installation costs. Redis behind
  // it (full mode), as in production: revokeInstallation's block ends at its first Redis call, as before.
  const provider = new InstallationTokenProvider({ app, redis, maxCachedTokens: max + 1000 });
  const requests = Array.from({ length: max }, (_, i) => ({ installationId: i === 0 ? config.firstId : config.base + i }));
  let cached = 0;
  let firstTokenHeap = 0;
  let spentMs = 0;
  for (const size of config.sizes) {
    const perMint = cached > 1 ? spentMs / cached : 0;
    const mintingFits = perMint * (size - cached) <= config.fillBudgetMs - spentMs;
    if (!mintingFits && !redis) {
      await send({ skipped: size, projectedMs: perMint * (size - cached), perMintMs: perMint });
      break;
    }
    const t0 = performance.now();
    if (mintingFits) {
      await inParallel(size - cached, 64, (i) => provider.getToken(requests[cached + i]!));
    } else {
      // Minting them all through the simulator would not fit the budget: the rest come from Redis, written with
      // the store's own API as another replica would have (tokens shaped like a real one), and this process
      // takes each from there into its process tier, as a replica joining a warm fleet does. What each cached
      // token costs in this process is the same either way.
      const real = await provider.getToken(requests[0]!);
      await inParallel(size - cached, 64, async (i) => {
        const request = requests[cached + i]!;
        await writeAsAnotherReplica(redis!, provider, real, request);
      });
      const mintsBefore = (provider.stats as unknown as Record<string, number>).mints ?? 0;
      await inParallel(size - cached, 64, (i) => provider.getToken(requests[cached + i]!));
      await send({ seededFromRedis: size - cached, upTo: size, mintsDuringSeed: ((provider.stats as unknown as Record<string, number>).mints ?? 0) - mintsBefore });
    }
    const fillMs = performance.now() - t0;
    spentMs += fillMs;
    cached = size;
    const after = settledHeap();
    // The first token carries the one-time costs (modules, the app's JWT, pools): per-token figures are the
    // growth beyond it.
    if (size === 1) firstTokenHeap = after.heap;
    // The floor: the same tokens, copied, in a Map under keys of the same length.
    const tokens = await Promise.all(requests.slice(0, size).map((r) => provider.getToken(r)));
    const beforeFloor = settledHeap();
    let floor: Map<string, unknown> | null = new Map();
    for (const [i, token] of tokens.entries())
      floor.set(`${config.clientId}|${config.apiUrl}|${requests[i]!.installationId}|||`, structuredClone(token));
    const withFloor = settledHeap();
    const floorBytes = withFloor.heap - beforeFloor.heap;
    void baseline;
    // The floor of a warm call at this size: an async lookup in that Map, its key built per call, in random
    // order over every key. Even this grows with the keys (cache misses on a bigger heap): it tells how much of
    // getToken's growth any cache of that many entries pays.
    const floorOrder = shuffled(size);
    const floorMap = floor;
    let f = 0;
    const floorCall = async () =>
      floorMap.get(`${config.clientId}|${config.apiUrl}|${requests[floorOrder[f++ % size]!]!.installationId}|||`);
    await nsPerCall(config.callsPerRound, floorCall);
    const floorNs: number[] = [];
    for (let round = 0; round < config.rounds; round++) floorNs.push(await nsPerCall(config.callsPerRound, floorCall));
    floor = null;
    tokens.length = 0;
    // Warm getToken over every cached key, in random order (a hot working set of `size` keys).
    const order = shuffled(size);
    const ns: number[] = [];
    let i = 0;
    // Past the optimizing compiler's tiers before the first timed round (the first size runs right after start).
    await nsPerCall(config.callsPerRound, () => provider.getToken(requests[order[i++ % size]!]!));
    for (let round = 0; round < config.rounds; round++) {
      // CPU time, as in section 1: robust to the machine being shared.
      ns.push(await nsPerCall(config.callsPerRound, () => provider.getToken(requests[order[i++ % size]!]!)));
    }
    // revokeInstallation: how long the call holds the event loop before its first await, and in all.
    const revokeBlockMs: number[] = [];
    const revokeTotalMs: number[] = [];
    const warm = requests[order[0]!]!;
    await provider.revokeInstallation(warm.installationId); // first calls pay for code loading
    await provider.getToken(warm);
    for (let round = 0; round < config.rounds; round++) {
      const target = requests[order[round % size]!]!;
      const t = performance.now();
      const pending = provider.revokeInstallation(target.installationId);
      revokeBlockMs.push(performance.now() - t);
      await pending;
      revokeTotalMs.push(performance.now() - t);
      await provider.getToken(target); // back in the cache for the next size
    }
    await send({
      size,
      fillMs,
      fixedBytes: firstTokenHeap - baseline.heap,
      bytesPerKey: size > 1 ? (after.heap - firstTokenHeap) / (size - 1) : Number.NaN,
      floorBytesPerKey: floorBytes / size,
      rss: after.rss,
      getTokenNs: ns,
      floorNs,
      revokeBlockMs,
      revokeTotalMs,
    });
  }
  if (redis) {
    // The default bound under `max` hot keys, Redis behind it: a fresh provider with the default configuration.
    // Redis must hold every key, as after a fleet has served them all: those minted above are there; keys past
    // them (when the fill stopped short) are written with the store's own API, as another replica would have,
    // with tokens shaped like a real one. Bounded in time: on a loaded machine the hot set is what could be
    // written in a minute (reported).
    const real = await provider.getToken(requests[0]!);
    const writeUntil = performance.now() + 60_000;
    let written = cached;
    await inParallel(max - cached, 64, async (i) => {
      if (performance.now() > writeUntil) return;
      const request = requests[cached + i]!;
      await writeAsAnotherReplica(redis, provider, real, request);
      written = Math.max(written, cached + i + 1);
    });
    const hotKeys = written;
    const fresh = new InstallationTokenProvider({ app, redis });
    // Calls land on random keys of the hot set (with replacement): a warm-up, then the measured calls.
    const calls = 10_000;
    const pick = () => requests[Math.floor(Math.random() * hotKeys)]!;
    await inParallel(calls, 64, () => fresh.getToken(pick()));
    const stats = fresh.stats as unknown as Record<string, number>;
    const before = { ...stats };
    const start = performance.now();
    await inParallel(calls, 64, () => fresh.getToken(pick()));
    const ms = performance.now() - start;
    const delta = (key: string) => (stats[key] ?? Number.NaN) - (before[key] ?? Number.NaN);
    await send({
      hotKeys,
      calls,
      nsPerCall: (ms * 1e6) / calls,
      memoryHits: delta('memoryHits'),
      redisHits: delta('redisHits'),
      mints: delta('mints'),
      liveEvictions: delta('liveEvictions'),
      /** the bound a default-configured provider has (what `maxCachedTokens` overrides) */
      defaultBound: fresh.maxCachedTokens,
    });
    await redis.close();
  }
  await send({ done: true });
  process.exit(0);
}

process.stdin.once('data', (chunk) => {
  void main(JSON.parse(String(chunk)) as ScaleConfig);
});
process.stdout.write('{"ready":true}\n');
