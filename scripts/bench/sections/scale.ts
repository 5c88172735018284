import { type Bench } from '../lib/bench.js';
import { messages, spawnWorker, stopChild } from '../lib/children.js';
import { dropPrefix, newPrefix } from '../lib/fleet-clients.js';
import { ratios } from '../lib/report.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { cloneInstallations, redisUrl, startWorld } from '../lib/world.js';

interface SizeResult {
  size: number;
  fixedBytes: number;
  fillMs: number;
  bytesPerKey: number;
  floorBytesPerKey: number;
  rss: number;
  getTokenNs: number[];
  /** an async Map lookup over the same number of keys, in random order */
  floorNs: number[];
  revokeBlockMs: number[];
  revokeTotalMs: number[];
}

interface HotKeysResult {
  hotKeys: number;
  calls: number;
  nsPerCall: number;
  memoryHits: number;
  redisHits: number;
  mints: number;
  liveEvictions: number;
  defaultBound: number;
}

/**
 * How the token library's costs grow with the installations it serves: 1, 1k, 10k and 100k cached tokens
 * in one process (memory, warm getToken over all keys, revokeInstallation), and the process tier's default
 * bound under 100k hot keys with Redis behind it.
 */
export async function scale(bench: Bench) {
  const sizes = bench.quick ? [1, 1000] : [1, 1000, 10_000, 100_000];
  const max = sizes[sizes.length - 1]!;
  const w = await startWorld();
  const ids = cloneInstallations(w, max, 'scale');
  const prefix = newPrefix();
  const worker = spawnWorker(
    'scale-worker.ts',
    {},
    ['--expose-gc', '--max-old-space-size=4096'],
  );
  const channel = messages(worker);
  const results: SizeResult[] = [];
  let hot: HotKeysResult | null = null;
  let skipped: { skipped: number; projectedMs: number; perMintMs: number } | null = null;
  let seeded: { seededFromRedis: number; upTo: number; mintsDuringSeed: number } | null = null;
  // 100,000 mints through the simulator at 64 in flight take about two and a half minutes on 2 cores.
  const fillBudgetMs = bench.quick ? 20_000 : 240_000;
  try {
    await channel.next(60_000);
    channel.send({
      apiUrl: w.sim.apiUrl,
      clientId: w.clientId,
      privateKey: w.privateKey,
      firstId: ids[0],
      base: ids[1]! - 1,
      sizes,
      rounds: bench.rounds,
      callsPerRound: bench.quick ? 20_000 : 100_000,
      redisUrl: bench.quick ? null : redisUrl,
      prefix,
      fillBudgetMs,
    });
    for (;;) {
      const message = await channel.next<
        | SizeResult
        | HotKeysResult
        | { done: true }
        | { skipped: number; projectedMs: number; perMintMs: number }
        | { seededFromRedis: number; upTo: number; mintsDuringSeed: number }
      >(600_000);
      if ('done' in message) break;
      if ('seededFromRedis' in message) {
        seeded = message;
        continue;
      }
      if ('skipped' in message) {
        skipped = message;
        continue;
      }
      if ('size' in message) {
        results.push(message);
        console.error(`bench: scale ${message.size} keys filled in ${Math.round(message.fillMs)} ms`);
      } else hot = message;
    }
  } finally {
    await stopChild(worker);
    await dropPrefix(redisUrl, prefix);
    await w.close();
  }

  const first = results[0]!;
  const r = bench.report;
  r.section(
    '9. Growth with the installations served: 1, 1k, 10k, 100k cached tokens in one process',
    `One process (separate from the simulator) mints a token for each installation (whole installation scope; in the full run with Redis behind it, as in production), sized by \`maxCachedTokens\` to keep them all. Memory is the heap (with external buffers) after a full GC: the first token carries the one-time costs (${num((results[0]?.fixedBytes ?? 0) / 2 ** 20)} MB: modules, the app's JWT, pools), and "bytes per token" is the growth beyond it per further token; the floor is the same tokens copied into a Map (the token itself). It is one build per run, so memory has no spread; the timings have ${bench.rounds} rounds. Warm getToken asks for every cached key in random order (CPU time per call, as in section 1); its floor is an async lookup in a Map of as many keys, key built per call, in random order too: how much any cache of that size grows from memory alone. \`revokeInstallation\` revokes one installation's token at GitHub: "blocks" is how long the call holds the event loop before its first await.`,
  );
  const growth = (values: number[]) => ratios(values, first.getTokenNs);
  r.table(
    ['cached tokens', 'bytes per token', 'floor (token in a Map)', 'beyond the token', 'RSS', 'warm getToken', 'growth vs 1 key', 'floor: Map lookup', 'its growth vs 1 key', 'revokeInstallation blocks', 'revokeInstallation total'],
    results.map((x) => [
      x.size.toLocaleString('en-US'),
      x.size > 1 ? num(x.bytesPerKey) : '(first token)',
      num(x.floorBytesPerKey),
      x.size > 1 ? num(x.bytesPerKey - x.floorBytesPerKey) : '',
      `${num(x.rss / 2 ** 20)} MB`,
      showSpread(spread(x.getTokenNs), 'ns'),
      showRatio(growth(x.getTokenNs)),
      showSpread(spread(x.floorNs), 'ns'),
      showRatio(ratios(x.floorNs, first.floorNs)),
      showSpread(spread(x.revokeBlockMs), 'ms'),
      showSpread(spread(x.revokeTotalMs), 'ms'),
    ]),
  );
  r.note(
    `Filling took ${results.map((x, i) => `${num(x.fillMs / Math.max(1, x.size - (results[i - 1]?.size ?? 0)))} ms each up to ${x.size.toLocaleString('en-US')}`).join(', ')} (with the simulator on the same machine).`,
  );
  if (seeded) {
    r.note(
      `Minting all of them through the simulator would not have fit the section's budget of ${fillBudgetMs / 1000} s: the last ${seeded.seededFromRedis.toLocaleString('en-US')} tokens up to ${seeded.upTo.toLocaleString('en-US')} were written to Redis with the store's own API, as another replica would have, and this process took each from there into its process tier (${seeded.mintsDuringSeed} mints while doing so), as a replica joining a warm fleet does; the "each" time above for that size is that, not a mint. A token costs the process the same either way.`,
    );
  }
  if (skipped) {
    r.note(
      `**Not run: ${skipped.skipped.toLocaleString('en-US')} tokens.** At the ${num(skipped.perMintMs)} ms per mint measured so far, filling would take another ${num(skipped.projectedMs / 1000)} s, over the section's budget of ${fillBudgetMs / 1000} s (the run must stay within about 10 minutes). The rows above are what was measured.`,
    );
  }
  const top = results[results.length - 1]!;
  const beyond = (top.bytesPerKey - top.floorBytesPerKey) / 1024;
  r.goal({
    what: `memory per cached installation (${top.size.toLocaleString('en-US')})`,
    goal: '≤ 1 KB beyond the token',
    measured: `${num(beyond)} KB beyond the token (${num(top.bytesPerKey / 1024)} KB in all)`,
    met: beyond <= 1,
  });
  const rssMb = top.rss / 2 ** 20;
  r.goal({
    what: 'RSS with 100,000 installations cached',
    goal: '≤ 300 MB',
    measured:
      top.size === 100_000
        ? `${num(rssMb)} MB`
        : `not run (${num(rssMb)} MB at ${top.size.toLocaleString('en-US')}; ${num(top.bytesPerKey * 1e5 / 2 ** 20)} MB of tokens projected at 100,000)`,
    met: top.size === 100_000 ? rssMb <= 300 : null,
  });
  const g = growth(top.getTokenNs);
  r.goal({
    what: `warm getToken, 1 → ${top.size.toLocaleString('en-US')} keys`,
    goal: '≤ 2x growth',
    measured: `${num(spread(first.getTokenNs).median)} → ${num(spread(top.getTokenNs).median)} ns, ${num(g.median)}x (a bare Map: ${num(ratios(top.floorNs, first.floorNs).median)}x)`,
    met: g.median <= 2,
  });
  const block = spread(top.revokeBlockMs);
  r.goal({
    what: `revokeInstallation at ${top.size.toLocaleString('en-US')} keys`,
    goal: 'indexed by installation (no scan: blocks ≤ 1 ms)',
    measured: `blocks the event loop ${showSpread(block, 'ms')}`,
    met: block.median <= 1,
  });
  if (hot) {
    const hitRate = (hot.memoryHits / hot.calls) * 100;
    r.note(
      `The default process-tier bound under ${hot.hotKeys.toLocaleString('en-US')} hot keys (a default-configured provider, bound ${hot.defaultBound.toLocaleString('en-US')} tokens; Redis behind it holding every key (those this process did not mint written through the store's own API, as another replica would have); ${hot.calls.toLocaleString('en-US')} calls on random keys after as many to warm up, 64 in flight): ${num(hitRate)} % answered from the process tier, ${num(hot.redisHits)} from Redis, ${num(hot.mints)} mints, ${num(hot.liveEvictions)} live tokens evicted (counted by \`stats.liveEvictions\`, exported as \`hubgate_token_cache_live_evictions_total\`), ${num(hot.nsPerCall / 1000)} µs per call (wall time at 64 in flight; Redis answers slower than 250 ms count as an outage and the provider mints locally). The bound is \`maxCachedTokens\`: size it to a process's hot keys when that metric grows.`,
    );
    // The goal is a design, judged by the facts this pass shows: the bound is configuration, its live evictions
    // are counted (the metric moved when the bound was exceeded), and Redis answered every miss (no mint).
    const counted = hot.liveEvictions > 0 || hot.memoryHits === hot.calls;
    r.goal({
      what: `default process-tier bound at ${hot.hotKeys.toLocaleString('en-US')} hot keys`,
      goal: 'sized by config with a metric for live-token evictions; Redis absorbs the rest',
      measured: `\`maxCachedTokens\` (default ${hot.defaultBound.toLocaleString('en-US')}); ${num(hot.liveEvictions)} live evictions counted; ${num(hitRate)} % process-tier hits, ${num(hot.redisHits)} from Redis, ${num(hot.mints)} mints`,
      met: counted && hot.mints === 0,
    });
  }
  r.check(
    `scale: warm getToken at ${top.size} keys under 20x 1 key`,
    g.median < 20,
    `${num(g.median)}x`,
  );
}
