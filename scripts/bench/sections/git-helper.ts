import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { repoRoot, timeProcess } from '../lib/children.js';
import { ratios } from '../lib/report.js';
import { median, num, showRatio, showSpread, spread } from '../lib/stats.js';
import { redisUrl, startWorld } from '../lib/world.js';

/** The helper's executable as the package declares it (whatever the branch builds it into). */
function helperBin(): string {
  const dir = join(repoRoot, 'packages/github-auth');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(dir, pkg.bin['hubgate-git-credential']!);
}

/**
 * The git credential helper as git runs it: a new process per operation, from spawn to exit, with the
 * fleet's Redis warm (the token is there) and the key in the environment. The floor is `node -e 0`.
 */
export async function gitHelper(bench: Bench) {
  const w = await startWorld();
  const bin = helperBin();
  const env = {
    ...process.env,
    GITHUB_APP_CLIENT_ID: w.clientId,
    GITHUB_APP_PRIVATE_KEY: w.privateKey,
    GITHUB_API_URL: w.sim.apiUrl,
    REDIS_URL: redisUrl,
    HUBGATE_CACHE_KEY: randomBytes(32).toString('hex'),
    HUBGATE_URL: '',
    // The simulator is served over plain http on loopback: the helper refuses that unless told it is a test server.
    GITHUB_APP_ALLOW_HTTP: '1',
    HUBGATE_CACHE_DIR: join(tmpdir(), `hubgate-bench-cache-${process.pid}`),
    HUBGATE_GITHUB_CONFIG: '',
  };
  const host = new URL(w.sim.webUrl).host;
  const getInput = `protocol=http\nhost=${host}\npath=tisket-com/developer-guide.git\n\n`;
  const storeInput = `${getInput.trimEnd()}\nusername=x-access-token\npassword=ghs_0000\n\n`;
  const run = async (operation: string, input: string) => {
    const result = await timeProcess(bin, [operation], { env, input });
    if (result.code !== 0 || (operation === 'get' && !/password=/.test(result.stdout)))
      throw new Error(`git helper ${operation} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    return result.ms;
  };
  const githubRequests = () => [...w.sim.context.requestCounts.values()].reduce((a, b) => a + b, 0);
  await run('get', getInput); // fills Redis: the rows below measure the warm fleet
  const reps = bench.quick ? 2 : 3;
  let gets = 0;
  let requestsDuringGets = 0;
  const rounds = await inHeavyRounds(bench, async () => {
    const times = { get: [] as number[], store: [] as number[], floor: [] as number[] };
    for (let i = 0; i < reps; i++) {
      times.floor.push((await timeProcess(process.execPath, ['-e', '0'], { env })).ms);
      const before = githubRequests();
      times.get.push(await run('get', getInput));
      requestsDuringGets += githubRequests() - before;
      gets++;
      times.store.push(await run('store', storeInput));
    }
    return { get: median(times.get), store: median(times.store), floor: median(times.floor) };
  });
  await w.close();
  const col = (k: 'get' | 'store' | 'floor') => rounds.map((x) => x[k]);
  const r = bench.report;
  r.section(
    '5. The git credential helper as git runs it (a process per operation)',
    `Spawn to exit of \`${bin.replace(repoRoot, '')}\`, ${reps} runs per round (the round's median), Redis warm with the token; the floor is \`node -e 0\` on the same machine.`,
  );
  r.table(
    ['operation', 'spawn to exit', '÷ floor'],
    [
      ['`get` (answers git with a token from Redis)', showSpread(spread(col('get')), 'ms'), showRatio(ratios(col('get'), col('floor')))],
      ['`store` (ignored by design)', showSpread(spread(col('store')), 'ms'), showRatio(ratios(col('store'), col('floor')))],
      ['floor: `node -e 0`', showSpread(spread(col('floor')), 'ms'), '1x'],
    ],
  );
  const perGet = requestsDuringGets / gets;
  r.note(
    `GitHub requests per \`get\` with Redis warm: ${num(perGet)} (the installation lookup by repository${perGet >= 1 ? ' is made again by every new process' : ' is served from the cache next to the tokens'}).`,
  );
  const helper = ratios(col('get'), col('floor'));
  r.goal({
    what: 'git helper `get`, cached answer (issue 13)',
    goal: '≤ 2x a bare `node -e 0`',
    measured: `${num(helper.median)}x [${num(helper.min)}–${num(helper.max)}]`,
    met: helper.median <= 2,
  });
  r.goal({
    what: 'installation lookup per git operation',
    goal: 'cached next to the tokens (0 GitHub requests with Redis warm)',
    measured: `${num(perGet)} GitHub requests per \`get\``,
    met: perGet === 0,
  });
  r.check('git helper get under 20x node -e 0', ratios(col('get'), col('floor')).median < 20, `${num(ratios(col('get'), col('floor')).median)}x`);
}
