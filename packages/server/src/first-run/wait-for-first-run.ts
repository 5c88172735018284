import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { webUrlFor } from '@hubgate/github-auth';
import { ConfigError, loadConfig, type ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { registeredSettings, writeSettingsFile } from '../manifest/registered-settings.js';
import { firstRunApp } from './first-run-app.js';

export interface FirstRunOptions {
  env: NodeJS.ProcessEnv;
  config: ServerConfig;
  /** where hubgate is reached (PUBLIC_URL, or the address it listens on) */
  url: string;
  logger: Logger;
  fetch: typeof fetch;
  /** hands the port's requests to the first-run routes */
  serve(fetchHandler: (request: Request) => Response | Promise<Response>): void;
  signal?: AbortSignal;
}

/**
 * No GitHub App and the sandbox off: serves the first-run page until the system app is registered, then answers
 * the configuration that holds it, so the service starts with it without a restart. When the service still cannot
 * start (no sign-in configured, say) the page lists what is missing and this waits for the operator's restart.
 */
export function waitForFirstRun(options: FirstRunOptions): Promise<ServerConfig> {
  const { env, config, url, logger } = options;
  let tokenFile: string | null = null;
  let token = config.setupToken;
  if (!token) {
    // Not in the log (secrets never are): in a file only the service's user reads, new at every start.
    token = randomBytes(24).toString('base64url');
    mkdirSync(config.dataDir, { recursive: true });
    tokenFile = resolve(join(config.dataDir, 'first-run-token'));
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  }
  const configFile = resolve(env.HUBGATE_CONFIG_FILE?.trim() || join(config.dataDir, 'hubgate.yaml'));
  const configuredWebUrl = env.GITHUB_WEB_URL?.trim() || (env.GITHUB_API_URL?.trim() ? webUrlFor(env.GITHUB_API_URL.trim()) : 'https://github.com');

  return new Promise<ServerConfig>((resolvePromise, rejectPromise) => {
    options.signal?.addEventListener('abort', () => rejectPromise(options.signal!.reason), { once: true });
    const app = firstRunApp({
      token: token!,
      url,
      fetch: options.fetch,
      form: { productName: config.productName, url, publicUrlSet: Boolean(config.publicUrl), webUrl: configuredWebUrl, tokenFile, configFile },
      async finish(converted, where) {
        const settings = registeredSettings(converted, { apiUrl: where.apiUrl, webUrl: where.webUrl, publicUrl: url, haveSecretKey: Boolean(config.secretKey), haveCacheKey: Boolean(config.cacheKey) });
        let file: string | null = null;
        let writeProblem: string | undefined;
        if (where.output === 'file') {
          try {
            writeSettingsFile(configFile, settings);
            file = configFile;
          } catch (error) {
            writeProblem = (error as Error).message.split('\n')[0];
          }
        }
        logger.info({ app: converted.slug, appId: converted.id, file }, 'first run: the GitHub App is registered');
        // What was just registered is what runs (the environment lacks it, or it would not be a first run).
        const next: NodeJS.ProcessEnv = { ...env, ...settings };
        let problems: string[] | null = null;
        let nextConfig: ServerConfig | null = null;
        try {
          nextConfig = loadConfig(next);
        } catch (error) {
          problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
          logger.warn({ problems }, 'first run: registered, but the service cannot start with it until these are set (then restart)');
        }
        if (nextConfig) setImmediate(() => resolvePromise(nextConfig));
        return {
          slug: converted.slug,
          appId: converted.id,
          file,
          fileNotReadAtStart: file !== null && !env.HUBGATE_CONFIG_FILE?.trim(),
          envLines: file ? null : Object.entries(settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
          problems,
          writeProblem,
        };
      },
    });
    options.serve(app.fetch);
    logger.warn(
      { page: `${url}/first-run`, tokenFile: tokenFile ?? 'HUBGATE_SETUP_TOKEN' },
      'no GitHub App configured and HUBGATE_SANDBOX=off: register it on the first-run page with the setup token',
    );
  });
}
