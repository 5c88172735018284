import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logger.js';
import type { Clock } from '@hubgate/github-auth';
import { type RunningHubgate, type StartOptions, startHubgate } from '../src/compose/start-hubgate.js';
import { Browserless } from './browserless.js';
import { type Driver, freshDatabase } from './db-harness.js';

/** Every log line of every service started in this test file (each file runs in its own process). */
export const capturedLogs: string[] = [];

/**
 * What must never appear in a log line, whatever the test did: GitHub tokens, the app's private key and secrets,
 * OAuth codes and states in URLs, cookie values and the query parameters of a failed SQL statement. Every harness
 * checks its own service's logs when it closes, so the check covers every test file, not only one.
 */
export function secretsInLogs(lines: readonly string[], known: readonly string[]): string[] {
  const problems: string[] = [];
  const patterns: [string, RegExp][] = [
    ['a GitHub token', /gh[suorp]_[A-Za-z0-9]{20,}/],
    ['a private key', /PRIVATE KEY-----\s*[A-Za-z0-9+/]{20}/],
    ['an OAuth code or state in a URL', /[?&](code|state)=[^&\s"]{6,}/],
    ['a cookie value', /hubgate_(session|login)=/],
    ['the parameters of a SQL statement', /params: ?[^\s"\\[]/],
  ];
  for (const line of lines) {
    for (const [what, pattern] of patterns) if (pattern.test(line)) problems.push(`${what}: ${line.slice(0, 300)}`);
    for (const secret of known) if (secret.length >= 8 && line.includes(secret)) problems.push(`a known secret: ${line.slice(0, 300)}`);
  }
  return problems;
}

export interface Harness {
  hub: RunningHubgate;
  databaseUrl?: string;
  close(): Promise<void>;
  signIn(sub: 'user_ada' | 'user_bob' | 'user_cyd'): Promise<Browserless & { csrf: string }>;
  /** signs the browser in on the simulated GitHub as `login` */
  signInToGitHub(browser: Browserless, login: string): Promise<void>;
  connect(
    browser: Browserless & { csrf: string },
    githubLogin: string,
    accountLogin: string,
    selection?: 'all' | 'selected',
  ): Promise<Response & { finalUrl: string }>;
  api(
    browser: Browserless & { csrf: string },
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }>;
}

export interface HarnessOptions {
  driver?: Driver;
  oauthOnInstall?: boolean;
  extraWebhookSecrets?: string[];
  /** a second replica on the first one's PostgreSQL database (it does not drop it on close) */
  databaseOf?: Harness;
  sim?: StartOptions['sandboxSim'];
  restore?: StartOptions['restore'];
  connectDeadlineMs?: StartOptions['connectDeadlineMs'];
  /** more environment (HUBGATE_METRICS_TOKEN, ...) */
  env?: Record<string, string>;
  clock?: Clock;
  /** reach the test database through something else (a TCP proxy that can hang) */
  databaseThrough?: (url: string) => string;
  httpTimeouts?: StartOptions['httpTimeouts'];
  /** project options (tests pace creations without waiting by default) */
  projects?: StartOptions['projects'];
  /** the event dispatcher's timings */
  events?: StartOptions['events'];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-test-'));
  const shared = options.databaseOf?.databaseUrl;
  const database = shared ? null : options.driver === 'postgres' ? await freshDatabase('postgres') : null;
  const databaseUrl = shared ?? database?.url;
  const ownLogs: string[] = [];
  const knownSecrets: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      capturedLogs.push(chunk.toString());
      ownLogs.push(chunk.toString());
      done();
    },
  });
  const hub = await startHubgate({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      HUBGATE_DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      ...(databaseUrl ? { DATABASE_URL: options.databaseThrough ? options.databaseThrough(databaseUrl) : databaseUrl } : {}),
      HUBGATE_RECONCILE_INTERVAL_SECONDS: '0',
      // Tests that are about the minimum age set it; the rest do not wait for it on every first mint.
      HUBGATE_TOKEN_MIN_AGE_MS: '0',
      ...options.env,
    },
    clock: options.clock,
    httpTimeouts: options.httpTimeouts,
    logger: createLogger({ level: 'debug', destination }),
    sandboxOAuthOnInstall: options.oauthOnInstall,
    sandboxExtraWebhookSecrets: options.extraWebhookSecrets,
    githubRetryBaseMs: 10,
    sandboxSim: options.sim,
    restore: options.restore,
    connectDeadlineMs: options.connectDeadlineMs,
    projects: options.projects ?? { pacing: { minIntervalMs: 0 } },
    events: options.events,
  });
  const sim = hub.sandbox!.sim;

  const harness: Harness = {
    hub,
    databaseUrl,
    async close() {
      await sim.webhooks.settle();
      await hub.close();
      await database?.close();
      rmSync(dataDir, { recursive: true, force: true });
      const g = hub.github;
      const problems = secretsInLogs(ownLogs, [g.clientSecret ?? '', ...g.webhookSecrets, ...knownSecrets]);
      if (problems.length > 0) throw new Error(`secrets reached the logs:\n${problems.slice(0, 5).join('\n')}`);
    },
    async signIn(sub) {
      const browser = new Browserless() as Browserless & { csrf: string };
      const login = await browser.get(`${hub.url}/auth/login?return_to=/workspace/settings/repos`);
      const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())![1];
      const issuer = new URL(login.finalUrl).origin;
      const done = await browser.post(`${issuer}/interaction/${uid}/login`, { form: { sub } });
      if (!done.finalUrl.startsWith(`${hub.url}/workspace/settings/repos`))
        throw new Error(`sign-in ended at ${done.finalUrl}`);
      const session = (await (await browser.get(`${hub.url}/api/session`)).json()) as { csrfToken: string };
      browser.csrf = session.csrfToken;
      knownSecrets.push(session.csrfToken, ...browser.cookieValues());
      return browser;
    },
    async signInToGitHub(browser, login) {
      await browser.post(`${sim.webUrl}/session`, { form: { login, return_to: '/' }, follow: false });
    },
    async connect(browser, githubLogin, accountLogin, selection = 'selected') {
      const { body } = await harness.api(browser, 'POST', '/api/github/connect', {});
      if (!body.installUrl) throw new Error(`connect refused: ${JSON.stringify(body)}`);
      await harness.signInToGitHub(browser, githubLogin);
      const state = new URL(body.installUrl).searchParams.get('state')!;
      const account = sim.store.requireAccount(accountLogin);
      return browser.post(`${sim.webUrl}/github-apps/tisket/installations`, {
        form: { account_id: String(account.id), repository_selection: selection, state },
      });
    },
    async api(browser, method, path, body) {
      const response = await browser.request(method, `${hub.url}${path}`, {
        json: body,
        headers: { 'x-csrf-token': browser.csrf, accept: 'application/json' },
        follow: false,
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: response.status, body: parsed };
    },
  };
  return harness;
}
