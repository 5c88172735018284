import { createHmac, randomUUID } from 'node:crypto';
import { Browserless } from '../../../packages/server/test/browserless.js';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { httpLoad, type LoadResult } from '../lib/http-load.js';
import { ratios } from '../lib/report.js';
import { type RunningServer, startBareHono, startSandbox } from '../lib/servers.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';

const concurrency = 32;

export const loadLimits = (bench: Bench) => ({
  concurrency,
  maxRequests: 200_000,
  maxMs: bench.quick ? 1500 : 4000,
});

/** Signs in on the sandbox's own OpenID provider, as a browser would; returns the browser and the session's cookie header. */
async function signIn(server: RunningServer, sub: string): Promise<{ browser: Browserless; cookie: string }> {
  const browser = new Browserless();
  const login = await browser.get(`${server.url}/auth/login?return_to=/workspace/settings/repos`);
  const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())?.[1];
  if (!uid) throw new Error('the sandbox sign-in page has no login form');
  const issuer = new URL(login.finalUrl).origin;
  const done = await browser.post(`${issuer}/interaction/${uid}/login`, { form: { sub } });
  if (!done.finalUrl.startsWith(server.url)) throw new Error(`sign-in ended at ${done.finalUrl}`);
  // Browserless keeps its cookie jar to itself; the load loop needs the header.
  return { browser, cookie: (browser as unknown as { cookieHeader(url: URL): string }).cookieHeader(new URL(server.url)) };
}

function assertClean(what: string, result: LoadResult) {
  if (result.errors > 0) throw new Error(`${what}: ${result.errors} failed requests (first: ${result.firstError})`);
}

/** The account the sandbox tenant connects; the broker row asks for its project's repository there. */
const brokerAccount = 'tisket-com';

/**
 * The broker row's set-up, as an admin does it in the sandbox: connect GitHub (the simulator's install page, Ada
 * choosing tisket-com), create the "Developer guide" project (`POST /api/projects`: the repository is created on the
 * simulated GitHub), and create an agent key (`POST /api/agent-keys`). Returns the key, or why the row is skipped.
 */
async function brokerSetUp(hub: RunningServer, browser: Browserless, csrf: string): Promise<{ key: string; repository: string } | { skipped: string }> {
  const api = async (method: string, path: string, json?: unknown) => {
    const response = await browser.request(method, `${hub.url}${path}`, {
      json,
      headers: { 'x-csrf-token': csrf, accept: 'application/json', origin: hub.url },
      follow: false,
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const connect = await api('POST', '/api/github/connect', {});
  const installUrl = typeof connect.body.installUrl === 'string' ? new URL(connect.body.installUrl) : null;
  if (!installUrl) return { skipped: `POST /api/github/connect answered ${connect.status} without an install URL` };
  // The simulated GitHub: sign in as Ada, then install the app on the organization from its install page.
  await browser.post(`${installUrl.origin}/session`, { form: { login: 'ada', return_to: '/' }, follow: false });
  const page = await (await browser.get(installUrl.toString())).text();
  const accountId = new RegExp(`name="account_id" value="(\\d+)"[^>]*> ${brokerAccount} `).exec(page)?.[1];
  if (!accountId) return { skipped: `the simulator's install page offers no ${brokerAccount}` };
  const done = await browser.post(`${installUrl.origin}/github-apps/tisket/installations`, {
    form: { account_id: accountId, repository_selection: 'selected', state: installUrl.searchParams.get('state') ?? '' },
  });
  await done.arrayBuffer();
  const connection = await api('GET', '/api/github/connection');
  if (connection.body.connected !== true) return { skipped: `the sandbox did not connect (${done.status} at ${done.finalUrl})` };
  const project = await api('POST', '/api/projects', { name: 'Developer guide' });
  if (project.status !== 201) return { skipped: `POST /api/projects answered ${project.status}: ${JSON.stringify(project.body).slice(0, 200)}` };
  const repository = (project.body.repository as { fullName?: unknown } | undefined)?.fullName;
  if (typeof repository !== 'string') return { skipped: `POST /api/projects answered without a repository: ${JSON.stringify(project.body).slice(0, 200)}` };
  const created = await api('POST', '/api/agent-keys', { name: 'bench' });
  const key = created.body.key;
  if (typeof key !== 'string') return { skipped: `POST /api/agent-keys answered ${created.status}` };
  return { key, repository };
}

/** `POST /api/v1/tokens` with an agent key (issue 13) for the project's repository, against bare hono. */
async function brokerRow(bench: Bench, hub: RunningServer, key: string, repository: string) {
  const ask = () =>
    fetch(`${hub.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repository }),
    });
  const first = await ask();
  const answer = await first.text();
  if (first.status !== 200) throw new Error(`POST /api/v1/tokens answered ${first.status} for ${repository}: ${answer.slice(0, 200)}`);
  const result = await httpLoad({
    ...loadLimits(bench),
    url: `${hub.url}/api/v1/tokens`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: () => ({ body: JSON.stringify({ repository }) }),
  });
  assertClean('broker', result);
  return result;
}

/** `/healthz` and a signed-in API call on the sandbox, against bare hono on the same machine. */
export async function httpEndpoints(bench: Bench) {
  // The broker row measures throughput, not the per-key limit (600 a minute by default, still checked per request).
  const hub = await startSandbox({ HUBGATE_AGENT_RATE_LIMIT: '1000000' });
  const bare = await startBareHono();
  try {
    const { browser, cookie } = await signIn(hub, 'user_ada');
    const session = (await (await fetch(`${hub.url}/api/session`, { headers: { cookie } })).json()) as { csrfToken?: string };
    const limits = loadLimits(bench);
    // Set up once, before the rounds: every round measures the same tenant (connected, one project).
    const broker = await brokerSetUp(hub, browser, session.csrfToken ?? '');
    const rounds = await inHeavyRounds(bench, async () => {
      const healthz = await httpLoad({ ...limits, url: `${hub.url}/healthz` });
      assertClean('hubgate /healthz', healthz);
      const floor = await httpLoad({ ...limits, url: `${bare.url}/healthz` });
      assertClean('bare hono', floor);
      const api = await httpLoad({ ...limits, url: `${hub.url}/api/github/connection`, headers: { cookie, accept: 'application/json' } });
      assertClean('signed-in GET /api/github/connection', api);
      const tokens = 'key' in broker ? await brokerRow(bench, hub, broker.key, broker.repository) : null;
      return { healthz, floor, api, broker: tokens };
    });
    const rate = (k: 'healthz' | 'floor' | 'api') => rounds.map((x) => x[k].perSecond);
    const p99 = (k: 'healthz' | 'floor' | 'api') => rounds.map((x) => x[k].p99Ms);
    const r = bench.report;
    r.section(
      '10. HTTP endpoints against bare hono (sandbox, loopback)',
      `hubgate started by its \`start\` script in the sandbox (PGlite), its access log on a drained pipe; bare hono in plain JavaScript on the same machine. Before the rounds, Ada (an admin) connects GitHub (the simulator's install page, tisket-com), creates the project "Developer guide" (\`POST /api/projects\`) and an agent key (\`POST /api/agent-keys\`): the API and broker rows measure that tenant. The per-key rate limit is raised to 1,000,000 a minute (it is still checked on every request). A closed loop of ${concurrency} keep-alive connections for up to ${limits.maxMs / 1000} s per row and round; the load generator shares the 2 cores.`,
    );
    const rows = [
      ['hubgate `GET /healthz` (access log on)', 'healthz'],
      ['hubgate signed-in `GET /api/github/connection` (session cookie)', 'api'],
      ['floor: bare hono `GET /healthz`', 'floor'],
    ] as const;
    r.table(
      ['endpoint', 'requests/s', 'p99', '÷ bare hono'],
      rows.map(([label, k]) => [label, showSpread(spread(rate(k))), showSpread(spread(p99(k)), 'ms'), showRatio(ratios(rate(k), rate('floor')))]),
    );
    if ('skipped' in broker) r.note(`Broker row (\`POST /api/v1/tokens\` with an agent key): skipped: ${broker.skipped}.`);
    else {
      const brokerRate = rounds.map((x) => x.broker!.perSecond);
      const brokerP99 = rounds.map((x) => x.broker!.p99Ms);
      r.table(
        ['endpoint', 'requests/s', 'p99', '÷ bare hono'],
        [[`sandbox (PGlite): hubgate \`POST /api/v1/tokens\` (agent key, \`${broker.repository}\`; its same-work floor on PostgreSQL is in 10b)`, showSpread(spread(brokerRate)), showSpread(spread(brokerP99), 'ms'), showRatio(ratios(brokerRate, rate('floor')))]],
      );
    }
    const health = ratios(rate('healthz'), rate('floor'));
    r.goal({ what: '`/healthz` throughput', goal: '≥ 0.6x bare hono with access logging on', measured: showRatio(health), met: health.median >= 0.6 });
    const api = spread(rate('api'));
    r.goal({
      what: 'a signed-in API call',
      goal: '≥ 3x the issue\'s 578 requests/s (≥ 1,734/s)',
      measured: `${showSpread(api, '/s')}, ${num(ratios(rate('api'), rate('floor')).median)}x bare hono`,
      met: api.median >= 1734,
    });
    r.check('healthz at least 0.1x bare hono', health.median >= 0.1, showRatio(health));
  } finally {
    await hub.close();
    await bare.close();
  }
}

/** A signed delivery as GitHub sends it: a fresh delivery id each time, for an installation nobody holds. */
export function signedDelivery(secret: string) {
  return () => {
    const body = JSON.stringify({
      action: 'added',
      installation: { id: 4_999_999, account: { login: 'someone-else', id: 99 } },
      repository_selection: 'selected',
      repositories_added: [{ id: 799_999, name: 'x', full_name: 'someone-else/x', private: true }],
      repositories_removed: [],
      sender: { login: 'someone-else', id: 99 },
    });
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/bench',
        'x-github-event': 'installation_repositories',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
    };
  };
}
