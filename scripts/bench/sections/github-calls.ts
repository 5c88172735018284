import { randomBytes } from 'node:crypto';
import { createAppCredentials, InstallationTokenProvider } from '@hubgate/github-auth';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { type Bench, inHeavyRounds, inRounds } from '../lib/bench.js';
import { ratios } from '../lib/report.js';
import { median, num, showRatio, showSpread, spread } from '../lib/stats.js';
import { addInstallations, addRepositories, startWorld } from '../lib/world.js';

/**
 * What hubgate's HTTP stack adds to a GitHub call: a mint through the provider (retry and throttling
 * plugins, timeouts, its wrappers) against the same request made with bare @octokit/request, on an instant
 * answer. The difference is the fixed delay every mint pays.
 */
export async function pluginDelay(bench: Bench) {
  const w = await startWorld();
  const app = createAppCredentials({ clientId: w.clientId, privateKey: w.privateKey, apiUrl: w.sim.apiUrl });
  const provider = new InstallationTokenProvider({ app });
  const req = { installationId: w.installationId };
  const bare = request.defaults({ baseUrl: w.sim.apiUrl });
  const calls = bench.quick ? 30 : 100;
  const mintThroughProvider = async () => {
    await provider.invalidate(req);
    await provider.getToken(req);
  };
  const mintBare = async () => {
    const jwt = await app.jwt.get();
    await bare('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: w.installationId,
      headers: { authorization: `bearer ${jwt}` },
    });
  };
  await mintThroughProvider();
  await mintBare();
  const rounds = await inRounds(bench, async () => {
    const hub: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < calls; i++) {
      let t = performance.now();
      await mintThroughProvider();
      hub.push(performance.now() - t);
      t = performance.now();
      await mintBare();
      floor.push(performance.now() - t);
    }
    return { hub: median(hub), floor: median(floor) };
  });
  await w.close();
  const hub = rounds.map((x) => x.hub);
  const floor = rounds.map((x) => x.floor);
  const added = rounds.map((x) => x.hub - x.floor);
  const r = bench.report;
  r.section(
    '7. Fixed delay of hubgate\'s GitHub client (retry + throttling plugins) on an instant answer',
    `${calls} sequential mints per round (the round's median), alternating: through \`getToken\` after \`invalidate\`, and the same request with bare \`@octokit/request\` and the same JWT (the floor).`,
  );
  r.table(
    ['call', 'per mint', '÷ floor'],
    [
      ['hubgate `getToken` (a mint each time)', showSpread(spread(hub), 'ms'), showRatio(ratios(hub, floor))],
      ['floor: bare `@octokit/request`', showSpread(spread(floor), 'ms'), '1x'],
      ['added by hubgate\'s stack', showSpread(spread(added), 'ms'), ''],
    ],
  );
  const delay = spread(added);
  r.goal({
    what: 'fixed delay the retry+throttling plugins add to each GitHub call',
    goal: '≤ 2 ms',
    measured: showSpread(delay, 'ms'),
    met: delay.median <= 2,
  });
  r.check('plugin delay under 100 ms', delay.median < 100, `${num(delay.median)} ms`);
}

/**
 * One installation minting for 100 repositories at once (an agent fleet working on many repositories) at
 * 50 ms GitHub latency, against the same 100 mints spread over 100 installations and against
 * @octokit/auth-app for the same 100 scopes. The floor is one latency: GitHub serves mints concurrently.
 */
export async function manyRepositories(bench: Bench) {
  const latency = 50;
  const count = 100;
  const w = await startWorld({ mintLatencyMs: latency });
  const tag = randomBytes(3).toString('hex');
  const repos = await addRepositories(w, count, `many${tag}`);
  const installations = addInstallations(w, count, `many${tag}`);
  const app = createAppCredentials({ clientId: w.clientId, privateKey: w.privateKey, apiUrl: w.sim.apiUrl });
  const timed = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    return performance.now() - t;
  };
  const rounds = await inHeavyRounds(bench, async () => {
    const oneInstallation = new InstallationTokenProvider({ app });
    const manyInstallations = new InstallationTokenProvider({ app });
    const octokit = createAppAuth({
      appId: w.appId,
      privateKey: w.privateKey,
      request: request.defaults({ baseUrl: w.sim.apiUrl }),
    });
    return {
      one: await timed(() =>
        Promise.all(repos.map((id) => oneInstallation.getToken({ installationId: w.installationId, repositoryIds: [id] }))),
      ),
      across: await timed(() =>
        Promise.all(installations.map((installationId) => manyInstallations.getToken({ installationId }))),
      ),
      octokit: await timed(() =>
        Promise.all(
          repos.map((id) => octokit({ type: 'installation', installationId: w.installationId, repositoryIds: [id] })),
        ),
      ),
    };
  });
  await w.close();
  const col = (k: 'one' | 'across' | 'octokit') => rounds.map((x) => x[k]);
  const floor = rounds.map(() => latency);
  const r = bench.report;
  r.section(
    `8. ${count} mints of one installation for ${count} repositories at ${latency} ms GitHub latency`,
    `All ${count} asked at once, from a cold provider each round. The floor is one latency (${latency} ms).`,
  );
  r.table(
    ['mints', 'wall time', '÷ same mints across installations', '÷ floor'],
    [
      ['hubgate, one installation, 100 repository scopes', showSpread(spread(col('one')), 'ms'), showRatio(ratios(col('one'), col('across'))), showRatio(ratios(col('one'), floor))],
      ['hubgate, 100 installations, one mint each', showSpread(spread(col('across')), 'ms'), '1x', showRatio(ratios(col('across'), floor))],
      ['@octokit/auth-app, one installation, 100 repository scopes', showSpread(spread(col('octokit')), 'ms'), showRatio(ratios(col('octokit'), col('across'))), showRatio(ratios(col('octokit'), floor))],
    ],
  );
  const ratio = ratios(col('one'), col('across'));
  r.goal({
    what: 'mints of one installation for 100 repositories at 50 ms',
    goal: 'concurrent up to GitHub\'s limits (≤ 2x the same mints across installations)',
    measured: `${showSpread(spread(col('one')), 'ms')}, ${num(ratio.median)}x across installations`,
    met: ratio.median <= 2,
  });
  r.check('100 repositories: under 300x one latency', ratios(col('one'), floor).median < 300, `${num(ratios(col('one'), floor).median)}x`);
  void median;
}
