import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, repoRoot, rssOf, startCommand, stopChild, track } from './children.js';
import { postgresUrl, redisUrl } from './world.js';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** spawn to the first 200 on /healthz */
  startMs: number;
  /** resident memory when it first answered */
  rssBytes: number;
  close(): Promise<void>;
}

/** Polls /healthz until it answers 200 (a request that arrives before the app is mounted may hang: time it out). */
async function firstOk(url: string, child: ChildProcess, deadlineMs: number, output: () => string) {
  const deadline = performance.now() + deadlineMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output().slice(-2000)}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(250) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no 200 from ${url}/healthz within ${deadlineMs} ms: ${output().slice(-2000)}`);
}

async function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, port: number): Promise<RunningServer> {
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = track(spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  // The access log goes to a pipe that is drained, as a container's stdout would be.
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  try {
    await firstOk(url, child, 90_000, () => output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const startMs = performance.now() - started;
  return { url, child, startMs, rssBytes: rssOf(child.pid!), close: () => stopChild(child, 10_000) };
}

/** The floor: hono alone, plain JavaScript. */
export async function startBareHono(webhookSecret = ''): Promise<RunningServer> {
  const port = await freePort();
  const file = fileURLToPath(new URL('../workers/bare-hono.mjs', import.meta.url));
  return startChild(process.execPath, [file], { ...process.env, PORT: String(port), BARE_WEBHOOK_SECRET: webhookSecret }, port);
}

/** The broker row's floor (workers/bare-broker.mjs) on the database at `databaseUrl`. */
export async function startBareBroker(databaseUrl: string): Promise<RunningServer> {
  const port = await freePort();
  const file = fileURLToPath(new URL('../workers/bare-broker.mjs', import.meta.url));
  return startChild(process.execPath, [file], { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl }, port);
}

/** hubgate as `npm start` runs it (the root `start` script), in the sandbox: no app configured (`extra`: settings a row needs). */
export async function startSandbox(extra: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-bench-'));
  const { command, args } = startCommand();
  const server = await startChild(command, args, cleanEnv({ ...extra, PORT: String(port), HOST: '127.0.0.1', HUBGATE_DATA_DIR: dataDir }), port);
  return {
    ...server,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ProductionApp {
  appId: number;
  clientId: string;
  privateKey: string;
  apiUrl: string;
  webUrl: string;
  webhookSecret: string;
}

/**
 * hubgate in production mode: a GitHub App (on the simulator), OpenID settings (discovered lazily, at the first
 * sign-in, so none is needed to start), Redis, and PostgreSQL at `databaseUrl` or PGlite in `dataDir`.
 */
export async function startProduction(
  app: ProductionApp,
  database: { databaseUrl?: string; dataDir?: string },
  extra: Record<string, string> = {},
): Promise<RunningServer> {
  const port = await freePort();
  const { command, args } = startCommand();
  return startChild(
    command,
    args,
    cleanEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      GITHUB_APP_ID: String(app.appId),
      GITHUB_APP_CLIENT_ID: app.clientId,
      GITHUB_APP_CLIENT_SECRET: 'bench-client-secret',
      GITHUB_APP_SLUG: 'tisket',
      GITHUB_APP_PRIVATE_KEY: app.privateKey,
      GITHUB_APP_WEBHOOK_SECRET: app.webhookSecret,
      GITHUB_API_URL: app.apiUrl,
      GITHUB_WEB_URL: app.webUrl,
      HUBGATE_SECRET_KEY: randomBytes(32).toString('hex'),
      OIDC_ISSUER: 'http://127.0.0.1:9/bench-issuer',
      OIDC_CLIENT_ID: 'bench',
      OIDC_CLIENT_SECRET: 'bench-secret',
      REDIS_URL: redisUrl,
      HUBGATE_CACHE_KEY: randomBytes(32).toString('hex'),
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ...(database.dataDir ? { HUBGATE_DATA_DIR: database.dataDir } : {}),
      ...extra,
    }),
    port,
  );
}

/** The bench's environment without anything that would configure hubgate by accident. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GITHUB_|OIDC_|HUBGATE_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|PUBLIC_URL$|LOG_LEVEL$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A PostgreSQL database of its own for a run, dropped afterwards. */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hubgate_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
