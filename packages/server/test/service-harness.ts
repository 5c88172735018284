import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logger.js';
import { type RunningHubgate, type StartOptions, startHubgate } from '../src/compose/start-hubgate.js';
import { Browserless } from './browserless.js';
import { type Driver, freshDatabase } from './db-harness.js';

/** Every log line of every service started by the tests, for the "no secret in the logs" check. */
export const capturedLogs: string[] = [];

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

export async function startHarness(
  options: {
    driver?: Driver;
    oauthOnInstall?: boolean;
    extraWebhookSecrets?: string[];
    databaseOf?: Harness;
    sim?: StartOptions['sandboxSim'];
    restore?: StartOptions['restore'];
    env?: Record<string, string>;
  } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-test-'));
  // `databaseOf`: a second replica on the first one's PostgreSQL database (it does not drop it on close).
  const shared = options.databaseOf?.databaseUrl;
  const database = shared ? null : options.driver === 'postgres' ? await freshDatabase('postgres') : null;
  const databaseUrl = shared ?? database?.url;
  const destination = new Writable({
    write(chunk, _enc, done) {
      capturedLogs.push(chunk.toString());
      done();
    },
  });
  const hub = await startHubgate({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      HUBGATE_DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      HUBGATE_RECONCILE_INTERVAL_SECONDS: '0',
      ...options.env,
    },
    logger: createLogger({ level: 'debug', destination }),
    sandboxOAuthOnInstall: options.oauthOnInstall,
    sandboxExtraWebhookSecrets: options.extraWebhookSecrets,
    githubRetryBaseMs: 10,
    sandboxSim: options.sim,
    restore: options.restore,
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
