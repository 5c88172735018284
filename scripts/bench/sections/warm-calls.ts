import { CredentialResolver, createAppCredentials, InstallationTokenProvider } from '@hubgate/github-auth';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { type Bench, inRounds, nsPerCall } from '../lib/bench.js';
import { ratios } from '../lib/report.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { leastPrivilege, startWorld } from '../lib/world.js';

/**
 * Warm per-call cost, like for like: both libraries asked for the same scope (the whole installation, and the
 * least-privilege scope the README recommends), against the floor of a Map lookup behind a resolved promise.
 */
export async function warmCalls(bench: Bench): Promise<{ hubgateNs: number; floorNs: number }> {
  const w = await startWorld();
  const provider = new InstallationTokenProvider({
    app: createAppCredentials({ clientId: w.clientId, privateKey: w.privateKey, apiUrl: w.sim.apiUrl }),
  });
  const octokit = createAppAuth({
    appId: w.appId,
    privateKey: w.privateKey,
    request: request.defaults({ baseUrl: w.sim.apiUrl }),
  });
  const resolver = new CredentialResolver({
    sources: [
      {
        urlPattern: '(?<baseUrl>.*)',
        apiUrl: w.sim.apiUrl,
        clientId: w.clientId,
        privateKey: w.privateKey,
        username: 'x-access-token',
        allowHttp: true, // the simulator on loopback
      },
    ],
  });
  const repoUrl = `${w.sim.webUrl}/tisket-com/developer-guide.git`;
  const scope = leastPrivilege(w);
  const whole = { installationId: w.installationId };
  const narrow = { installationId: w.installationId, ...scope };
  const floorMap = new Map([['k', { token: 'ghs_x', expiresAt: Date.now() + 3600_000 }]]);
  const floor = async (key: string) => floorMap.get(key);

  const n = bench.quick ? 20_000 : 100_000;
  const calls: Record<string, () => Promise<unknown>> = {
    floor: () => floor('k'),
    hubgateWhole: () => provider.getToken(whole),
    octokitWhole: () => octokit({ type: 'installation', ...whole }),
    hubgateNarrow: () => provider.getToken(narrow),
    octokitNarrow: () =>
      octokit({ type: 'installation', ...narrow, repositoryIds: [...scope.repositoryIds] }),
    resolver: () => resolver.resolveCredentials(repoUrl),
  };
  for (const call of Object.values(calls)) await call(); // the first call of each mints
  // Interleaved rounds, so that a noisy moment of the machine falls on every row alike.
  const rounds = await inRounds(bench, async () => {
    const round: Record<string, number> = {};
    for (const [name, call] of Object.entries(calls)) round[name] = await nsPerCall(n, call);
    return round;
  });
  await w.close();
  const col = (name: string) => rounds.map((r) => r[name]!);
  const r = bench.report;
  r.section(
    '1. Warm per-call cost (one process, token cached)',
    `${n.toLocaleString('en-US')} sequential awaited calls per row and round, timed as the process's CPU time (robust to a shared machine); ${bench.rounds} rounds, interleaved. The floor is an async function returning an object from a Map (what any cache costs at least).`,
  );
  const row = (label: string, name: string, peer: string) => [
    label,
    showSpread(spread(col(name)), 'ns'),
    peer === '' ? '' : showRatio(ratios(col(peer), col(name))),
    showRatio(ratios(col(name), col('floor'))),
  ];
  r.table(
    ['call', 'CPU ns per call', '@octokit/auth-app ÷ this (same scope)', 'this ÷ floor'],
    [
      row('hubgate `getToken`, whole installation', 'hubgateWhole', 'octokitWhole'),
      row('@octokit/auth-app `auth({ type: "installation" })`, whole installation', 'octokitWhole', ''),
      row('hubgate `getToken`, `repositoryIds` + one permission', 'hubgateNarrow', 'octokitNarrow'),
      row('@octokit/auth-app, `repositoryIds` + one permission', 'octokitNarrow', ''),
      row('hubgate `resolveCredentials(repoUrl)` (git path: URL, installation, token)', 'resolver', ''),
      ['floor: `await` of a Map lookup', showSpread(spread(col('floor')), 'ns'), '', '1x'],
    ],
  );
  const hubgateNs = spread(col('hubgateNarrow')).median;
  const floorNs = spread(col('floor')).median;
  const speedup = ratios(col('octokitNarrow'), col('hubgateNarrow'));
  r.note(
    `In words (computed from this run): a warm least-privilege \`getToken\` costs ${num(hubgateNs)} ns (median), ${num(ratios(col('hubgateNarrow'), col('floor')).median)}x the floor of ${num(floorNs)} ns; @octokit/auth-app asked for the same scope takes ${num(speedup.median)}x as long.`,
  );
  r.check('warm least-privilege getToken at least 1.5x faster than @octokit/auth-app', speedup.median >= 1.5, `${num(speedup.median)}x`);
  return { hubgateNs, floorNs };
}
