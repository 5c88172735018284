import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { type Clock, redisTokenStoreFromEnv, systemClock } from '@hubgate/github-auth';
import type { Hono } from 'hono';
import type { GitHubAppSettings } from '../apps/github-app-settings.js';
import { loadConfig, type OidcConfig, type ServerConfig } from '../config.js';
import { type DatabaseHandle, openDatabase } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { createLogger, type Logger } from '../logger.js';
import type { RestoreOptions } from '../reconnect/restore-access.js';
import type { Sandbox, SandboxSimOptions } from '../sandbox/start-sandbox.js';
import { buildServices, type ServiceInputs, type Services } from './build-services.js';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  /** sandbox only: the demo app asks for user authorization during installation (callback with code) */
  sandboxOAuthOnInstall?: boolean;
  /** sandbox only: more accepted webhook secrets (a rotation in progress) */
  sandboxExtraWebhookSecrets?: string[];
  /** tests shorten GitHub retry backoff */
  githubRetryBaseMs?: number;
  /** reconnect's pacing (tests model other GitHub limits) */
  restore?: RestoreOptions;
  /** how long an admin waits on GitHub in one connect step (default 15 s) */
  connectDeadlineMs?: number;
  /** sandbox only: options of the simulated GitHub (its limits, its documented or newer behaviours) */
  sandboxSim?: SandboxSimOptions;
  /** tests shorten the HTTP server's timeouts (defaults: 30 s per request, 10 s for the headers) */
  httpTimeouts?: { requestMs: number; headersMs: number; checkEveryMs?: number };
  /** project options (repository name patterns, pacing) */
  projects?: ServiceInputs['projects'];
  /** the event dispatcher's timings (tests shorten them) */
  events?: ServiceInputs['events'];
  /** first run only: stops waiting for the app's registration (the port is closed) */
  signal?: AbortSignal;
}

export interface RunningHubgate extends Services {
  url: string;
  config: ServerConfig;
  /** the system app's settings and the sign-in settings in force (the sandbox's when it runs) */
  github: Readonly<GitHubAppSettings>;
  oidc: Readonly<OidcConfig>;
  sandbox: Sandbox | null;
  db: DatabaseHandle;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * The composition root: reads the configuration, opens the port at once (answering 503 with Retry-After until
 * ready), starts the sandbox when no GitHub App is configured while it opens and migrates the database, builds the
 * services and only then hands requests to the app. With no app configured the simulated GitHub lives in memory,
 * so the sandbox's database starts afresh too.
 */
export async function startHubgate(options: StartOptions = {}): Promise<RunningHubgate> {
  const env = options.env ?? process.env;
  let config = loadConfig(env);
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetch ?? globalThis.fetch;

  let handler: ((req: Parameters<ReturnType<typeof getRequestListener>>[0], res: Parameters<ReturnType<typeof getRequestListener>>[1]) => void) | null = null;
  // A slow client (headers or body trickled in) is cut off instead of holding a socket for Node's default 5 min.
  const timeouts = options.httpTimeouts ?? { requestMs: 30_000, headersMs: 10_000 };
  const serverOptions = {
    requestTimeout: timeouts.requestMs,
    headersTimeout: timeouts.headersMs,
    connectionsCheckingInterval: timeouts.checkEveryMs ?? Math.min(5_000, timeouts.headersMs),
  };
  const server: Server = createServer(serverOptions, (req, res) => {
    if (handler) return handler(req, res);
    // Not kept alive: the client comes back on a fresh connection once the service is ready.
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
    res.end(JSON.stringify({ error: { code: 'not_ready', message: 'hubgate is starting; try again in a moment.' } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${config.host}:${config.port} is already in use (another hubgate, or another program); set PORT to a free port, e.g. PORT=3001 npm start`, { cause: error })
          : error,
      ),
    );
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;

  // --- first run (no app configured, HUBGATE_SANDBOX=off): the port serves the page that registers the app, and
  // the service goes on with the configuration that holds it (first-run/).
  if (!config.github && !config.sandbox) {
    const { waitForFirstRun } = await import('../first-run/wait-for-first-run.js');
    try {
      config = await waitForFirstRun({
        env,
        config,
        url,
        logger,
        fetch: fetchImpl,
        signal: options.signal,
        serve: (firstRun) => {
          handler = getRequestListener(firstRun);
        },
      });
    } catch (error) {
      server.close();
      server.closeAllConnections();
      throw error;
    }
    handler = null;
  }
  // --- end of first run

  // The database opens while the sandbox starts: PGlite reads and compiles its WebAssembly and unpacks its
  // template on other threads while the simulator and the OpenID provider load on this one.
  const sandboxWanted = !config.github;
  const [sandboxStart, dbStart] = await Promise.allSettled([
    sandboxWanted ? startSandboxFor(url, options, config) : null,
    openAndMigrate(config, sandboxWanted),
  ]);
  const sandbox = sandboxStart.status === 'fulfilled' ? sandboxStart.value : null;
  try {
    if (sandboxStart.status === 'rejected') throw sandboxStart.reason;
    if (dbStart.status === 'rejected') throw dbStart.reason;
    const db = dbStart.value;
    if (sandbox) logger.info({ github: sandbox.sim.webUrl }, 'no GitHub App configured: sandbox mode (simulated GitHub, demo sign-in)');
    const github = sandbox?.github ?? config.github!;
    const oidc = sandbox?.oidc ?? config.oidc!;
    const secretKey = sandbox?.secretKey ?? config.secretKey!;

    const redis = redisTokenStoreFromEnv({ REDIS_URL: config.redisUrl, HUBGATE_CACHE_KEY: config.cacheKey }, clock, logger);
    const services = buildServices({
      db: db.db,
      dbKind: db.kind,
      url,
      config,
      github,
      oidc,
      secretKey,
      redis,
      logger,
      clock,
      fetch: fetchImpl,
      productName: sandbox?.productName ?? config.productName,
      githubRetryBaseMs: options.githubRetryBaseMs,
      restore: options.restore,
      connectDeadlineMs: options.connectDeadlineMs,
      projects: { patterns: config.repoNamePatterns, ...options.projects },
      events: options.events,
      demoWorkloadIssuer: sandbox ? await (await import('../sandbox/demo-workload-issuer.js')).demoWorkloadIssuer(url) : undefined,
    });
    handler = getRequestListener((services.app as Hono<AppEnv>).fetch);
    await services.receiver.resumeUnfinished().catch((error) => logger.warn({ err: error }, 'resuming unfinished webhook deliveries failed'));
    await services.restore.resumeAll();
    services.eventDispatcher.start();
    const retentionTimer = setInterval(() => {
      services.retention.sweep().catch((error) => logger.warn({ err: error }, 'broker housekeeping failed'));
    }, 60_000).unref();
    const reconcileTimer =
      config.reconcileIntervalSeconds > 0
        ? setInterval(() => {
            services.reconcile.run().catch((error) => logger.warn({ err: error }, 'reconcile run failed'));
          }, config.reconcileIntervalSeconds * 1000).unref()
        : null;
    // Stale pushes are looked for at a fifth of the bound, so one GitHub never sent is found within about 1.2 of it.
    const eventReconcileTimer = setInterval(() => {
      services.eventReconcile.run().catch((error) => logger.warn({ err: error }, 'events reconcile failed'));
    }, Math.max(2_000, config.events.staleAfterMs / 5)).unref();

    return {
      ...services,
      url,
      config,
      github,
      oidc,
      sandbox,
      db,
      logger,
      /**
       * Graceful: stop accepting, let requests in flight finish (idle keep-alive connections are closed at once,
       * busy ones get up to 10 s), finish webhook work already acknowledged, stop background jobs (their progress
       * is stored), then close the pools.
       */
      async close() {
        if (reconcileTimer) clearInterval(reconcileTimer);
        clearInterval(retentionTimer);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const forced = setTimeout(() => server.closeAllConnections(), 10_000);
        await closed;
        clearTimeout(forced);
        clearInterval(eventReconcileTimer);
        await services.receiver.settle();
        await services.eventDispatcher.stop();
        await services.restore.stop();
        await redis?.close();
        await services.close();
        await sandbox?.close();
        await db.close();
      },
    };
  } catch (error) {
    server.close();
    await sandbox?.close();
    if (dbStart.status === 'fulfilled') await dbStart.value.close().catch(() => {});
    throw error;
  }
}

async function startSandboxFor(url: string, options: StartOptions, config: ServerConfig): Promise<Sandbox> {
  // Imported only here: the simulator and the demo OpenID provider are not production requirements.
  const { startSandbox } = await import('../sandbox/start-sandbox.js');
  return startSandbox(url, {
    requestOAuthOnInstall: options.sandboxOAuthOnInstall,
    extraWebhookSecrets: options.sandboxExtraWebhookSecrets,
    sim: options.sandboxSim,
    ports: config.sandboxPorts,
  });
}

/**
 * PostgreSQL at `DATABASE_URL`, else PGlite in the data folder. The sandbox's simulated GitHub lives in memory, so
 * its database does too: a fresh one each start, from the migrated template (`db/pglite-template.ts`).
 */
async function openAndMigrate(config: ServerConfig, sandbox: boolean): Promise<DatabaseHandle> {
  let dataDir = join(config.dataDir, 'pglite');
  if (sandbox && !config.databaseUrl) {
    dataDir = 'memory://';
    // Left by versions that kept the sandbox's database on disk.
    rmSync(join(config.dataDir, 'sandbox-pglite'), { recursive: true, force: true });
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir });
  try {
    await db.migrate();
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}
