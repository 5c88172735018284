// Runs in a fresh folder where the packed tarballs were installed (scripts/ci/pack-and-install.sh): proves that
// the published packages work without this workspace (no tsx, no sources): the simulator starts, the README's
// library example mints a token, git clones through the installed credential helper, and the service starts
// from its build in production mode and becomes ready.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createAppCredentials,
  InstallationTokenProvider,
  redisTokenStoreFromEnv,
  systemClock,
} from '@hubgate/github-auth';
import { GitHubSim, seedDemo } from '@hubgate/github-sim';

const exec = promisify(execFile);
const here = process.cwd();
const work = mkdtempSync(join(here, 'work-'));
const step = (what) => console.log(`installed-smoke: ${what}`);
const check = (condition, what) => {
  if (!condition) throw new Error(`installed-smoke: ${what}`);
};

// 1. The simulator, from the installed @hubgate/github-sim.
const sim = await GitHubSim.start();
const demo = seedDemo(sim);
const guide = await sim.createRepository('tisket-com', 'developer-guide');
await sim.createRepository('tisket-com', 'customer-code');
const installation = sim.install(demo.app, 'tisket-com', { repositories: ['developer-guide', 'customer-code'] });
step(`simulator at ${sim.apiUrl}`);

// 2. The README's library example, as written there (REDIS_URL unset: no fleet tier).
process.env.GITHUB_APP_CLIENT_ID = demo.app.clientId;
process.env.GITHUB_APP_PRIVATE_KEY = demo.privateKey;
const app = createAppCredentials({
  clientId: process.env.GITHUB_APP_CLIENT_ID, // or appId
  privateKey: process.env.GITHUB_APP_PRIVATE_KEY, // PEM, \n-escaped, base64 of it, or privateKeyPath
  apiUrl: sim.apiUrl, // GHES: https://HOST/api/v3
});
const tokens = new InstallationTokenProvider({
  app,
  redis: redisTokenStoreFromEnv(process.env, systemClock, console), // REDIS_URL + HUBGATE_CACHE_KEY, or null
});
const { token, expiresAt } = await tokens.getToken({
  installationId: installation.id,
  repositoryIds: [guide.id], // least privilege: just this repository
  permissions: { contents: 'write' }, // narrower than the installation's
  minValidityMs: 15 * 60_000, // never a token that dies mid-clone
});
check(/^ghs_/.test(token) && expiresAt > Date.now() + 15 * 60_000, 'the library gave no usable token');
const listed = await (
  await fetch(`${sim.apiUrl}/installation/repositories`, { headers: { authorization: `token ${token}` } })
).json();
check(
  JSON.stringify(listed.repositories.map((r) => r.name)) === '["developer-guide"]',
  `the token reaches ${JSON.stringify(listed.repositories?.map((r) => r.name))}, not just developer-guide`,
);
step('the library minted a token scoped to one repository');

// 3. The installed git credential helper, configured as the README says, with real git.
const helper = join(here, 'node_modules/@hubgate/github-auth/bin/hubgate-git-credential.mjs');
const keyPath = join(work, 'app.pem');
writeFileSync(keyPath, demo.privateKey, { mode: 0o600 });
const gitEnv = {
  ...process.env,
  GITHUB_APP_PRIVATE_KEY: '',
  GITHUB_APP_PRIVATE_KEY_PATH: keyPath,
  GITHUB_API_URL: sim.apiUrl,
  HUBGATE_CACHE_DIR: join(work, 'git-answers'),
  // The simulator answers on plain http on loopback: the helper refuses that unless told it is a test server.
  GITHUB_APP_ALLOW_HTTP: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: work,
};
await exec('git', ['config', '--global', 'credential.helper', helper], { env: gitEnv });
await exec('git', ['config', '--global', 'credential.useHttpPath', 'true'], { env: gitEnv });
const clone = join(work, 'developer-guide');
await exec('git', ['clone', '--quiet', `${sim.webUrl}/tisket-com/developer-guide.git`, clone], { env: gitEnv });
check(readFileSync(join(clone, 'README.md'), 'utf8').includes('developer-guide'), 'the clone has no README');
const refused = await exec('git', ['clone', '--quiet', `${sim.webUrl}/tisket-com/nope.git`, join(work, 'nope')], {
  env: gitEnv,
}).catch((error) => error);
check(refused instanceof Error, 'git cloned a repository the app was not given');
step('git cloned through the installed credential helper');

// 4. The service from its build: --help, then serve in production mode until /readyz answers 200.
const hubgateBin = join(here, 'node_modules/.bin/hubgate');
const help = await exec(hubgateBin, ['--help']);
check(help.stdout.includes('doctor'), 'hubgate --help lists no doctor');
const port = 20_000 + Math.floor(Math.random() * 20_000);
const serverEnv = {
  PATH: process.env.PATH,
  HOME: work,
  PORT: String(port),
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  LOG_FORMAT: 'json',
  HUBGATE_DATA_DIR: join(work, 'data'),
  GITHUB_APP_ID: String(demo.app.id),
  GITHUB_APP_CLIENT_ID: demo.app.clientId,
  GITHUB_APP_CLIENT_SECRET: demo.app.clientSecret,
  GITHUB_APP_SLUG: demo.app.slug,
  GITHUB_APP_PRIVATE_KEY_PATH: keyPath,
  GITHUB_APP_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
  GITHUB_API_URL: sim.apiUrl,
  GITHUB_WEB_URL: sim.webUrl,
  HUBGATE_SECRET_KEY: randomBytes(32).toString('hex'),
  OIDC_ISSUER: 'https://auth.example.com',
  OIDC_CLIENT_ID: 'client',
  OIDC_CLIENT_SECRET: 'secret',
};
/** Starts `hubgate serve` and returns the milliseconds until /readyz answered 200. */
async function timeToReady(env) {
  const started = performance.now();
  const server = spawn(process.execPath, [join(here, 'node_modules/@hubgate/server/bin/hubgate.mjs'), 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout.on('data', (chunk) => (output += chunk));
  server.stderr.on('data', (chunk) => (output += chunk));
  let readyMs = null;
  while (performance.now() - started < 60_000 && server.exitCode === null) {
    // A timeout per probe: a probe must never hang the measurement (the service answers 503 until ready).
    const ready = await fetch(`${env.PUBLIC_URL}/readyz`, { signal: AbortSignal.timeout(1_000) }).catch(() => null);
    if (ready?.status === 200) {
      readyMs = performance.now() - started;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  check(readyMs !== null, `hubgate serve never became ready:\n${output}`);
  check(!/WARNING|NOTICE|DeprecationWarning/.test(output), `hubgate serve printed warnings:\n${output}`);
  return Math.round(readyMs);
}
const pgliteFirst = await timeToReady(serverEnv);
const pgliteAgain = await timeToReady(serverEnv);
step(`hubgate serve, production mode, PGlite: ready in ${pgliteFirst} ms (fresh data dir), ${pgliteAgain} ms (migrated)`);
if (process.env.DATABASE_URL_TEST) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL_TEST });
  await admin.connect();
  const name = `hubgate_smoke_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(process.env.DATABASE_URL_TEST);
  url.pathname = `/${name}`;
  try {
    const withPostgres = { ...serverEnv, DATABASE_URL: url.toString() };
    const first = await timeToReady(withPostgres);
    const again = await timeToReady(withPostgres);
    step(`hubgate serve, production mode, PostgreSQL: ready in ${first} ms (fresh database), ${again} ms (migrated)`);
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
const sandboxLoaded = ['@hubgate/github-sim', 'oidc-provider'].filter((name) => {
  try {
    createRequire(join(here, 'node_modules/@hubgate/server/package.json')).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
});
check(!sandboxLoaded.includes('oidc-provider'), 'oidc-provider was installed with @hubgate/server');
step(`optional sandbox packages installed: ${sandboxLoaded.join(', ') || 'none'} (the smoke test itself uses the simulator)`);
await sim.close();
step('ok');
