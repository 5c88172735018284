import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { redisTokenStoreFromEnv, systemClock, TokenCipher } from '@hubgate/github-auth';
import { loadConfig, type ServerConfig } from './config.js';
import { createApp } from './create-app.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { ConnectFlow } from './github/connect-flow.js';
import { GitHubAppService } from './github/github-app-service.js';
import { BearerTokens } from './identity/bearer-tokens.js';
import { OidcLogin } from './identity/oidc-login.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { type Sandbox, startSandbox } from './sandbox/start-sandbox.js';
import { WebhookHandlers } from './webhooks/webhook-handlers.js';
import { WebhookReceiver } from './webhooks/webhook-receiver.js';

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** sandbox only: the demo app asks for user authorization during installation (callback with code) */
  sandboxOAuthOnInstall?: boolean;
}

export interface RunningHubgate {
  url: string;
  config: ServerConfig;
  sandbox: Sandbox | null;
  db: DatabaseHandle;
  github: GitHubAppService;
  receiver: WebhookReceiver;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Starts the service. With no GitHub App configured it starts the sandbox (simulator, demo app, local OpenID
 * provider) and a fresh PGlite database: the simulated GitHub lives in memory, so its database must too.
 */
export async function startHubgate(options: StartOptions = {}): Promise<RunningHubgate> {
  const config = loadConfig(options.env ?? process.env);
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const explicitUrl = (options.env ?? process.env).PUBLIC_URL;
  const url = explicitUrl
    ? config.publicUrl
    : `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  config.publicUrl = url;

  let sandbox: Sandbox | null = null;
  if (!config.github) {
    sandbox = await startSandbox(url, { requestOAuthOnInstall: options.sandboxOAuthOnInstall });
    config.github = sandbox.github;
    config.oidc = sandbox.oidc;
    config.secretKey = sandbox.secretKey;
    logger.info(
      { github: sandbox.sim.webUrl },
      'no GitHub App configured: sandbox mode (simulated GitHub, demo sign-in)',
    );
  }
  const github = config.github!;
  const oidcConfig = config.oidc!;

  let dataDir = join(config.dataDir, 'pglite');
  if (sandbox && !config.databaseUrl) {
    dataDir = join(config.dataDir, 'sandbox-pglite');
    rmSync(dataDir, { recursive: true, force: true });
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir });
  await db.migrate();

  const redis = redisTokenStoreFromEnv(
    { REDIS_URL: config.redisUrl, HUBGATE_CACHE_KEY: config.cacheKey },
    systemClock,
    logger,
  );
  const githubService = new GitHubAppService(github, { redis, logger });
  const metrics = createMetrics(() => githubService.tokens);
  const cipher = new TokenCipher(config.secretKey!);
  const flow = new ConnectFlow(db.db, githubService, cipher, url);
  const receiver = new WebhookReceiver(db.db, new WebhookHandlers(db.db, githubService), logger, metrics);
  let loginPromise: Promise<OidcLogin> | null = null;
  const login = () => {
    loginPromise ??= OidcLogin.discover(oidcConfig, `${url}/auth/callback`).catch((error) => {
      loginPromise = null;
      throw error;
    });
    return loginPromise;
  };

  const bearer = new BearerTokens(oidcConfig, async () => (await login()).jwksUri);
  const app = createApp({
    bearer,
    db: db.db,
    publicUrl: url,
    logger,
    metrics,
    login,
    flow: () => flow,
    receiver: () => receiver,
    webhookSecrets: () => github.webhookSecrets,
  });
  server.on('request', getRequestListener(app.fetch));

  return {
    url,
    config,
    sandbox,
    db,
    github: githubService,
    receiver,
    logger,
    async close() {
      await receiver.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis?.close();
      await sandbox?.close();
      await db.close();
    },
  };
}
