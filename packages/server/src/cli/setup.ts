import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webUrlFor } from '@hubgate/github-auth';
import { appManifest, autoPostPage, convertManifestCode, manifestPostUrl } from '../manifest/app-manifest.js';
import { registeredSettings, writeSettingsFile } from '../manifest/registered-settings.js';

export interface SetupOptions {
  /** where hubgate will be reached (its webhook, setup and callback URLs derive from it) */
  publicUrl: string;
  /** GitHub's REST URL (github.com's by default; GHES `https://HOST/api/v3`) */
  apiUrl?: string;
  webUrl?: string;
  /** register under this organization instead of the user's account */
  organization?: string;
  name?: string;
  /** write the settings here (YAML, mode 0600) for HUBGATE_CONFIG_FILE; without it they are printed once */
  outFile?: string;
  port?: number;
  fetch?: typeof fetch;
  print?: (line: string) => void;
}

export interface SetupResult {
  appId: number;
  slug: string;
  settings: Record<string, string>;
}

/**
 * `hubgate setup`: registers the system app from a manifest. A local page posts the manifest to GitHub, the operator
 * confirms there, GitHub sends the browser back to the local callback with a code, and the code is converted into
 * the app's id, client id and secret, key and webhook secret, written where the operator chose.
 */
export async function runSetup(options: SetupOptions): Promise<{ url: string; done: Promise<SetupResult>; close(): void }> {
  const apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const webUrl = (options.webUrl ?? webUrlFor(apiUrl)).replace(/\/+$/, '');
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const state = randomBytes(24).toString('base64url');
  const print = options.print ?? ((line: string) => console.log(line));
  let resolveDone!: (r: SetupResult) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<SetupResult>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.pathname === '/') {
      const manifest = appManifest({
        name: options.name ?? 'hubgate',
        publicUrl,
        webhookPath: '/webhooks/github',
        redirectUrl: `${local}/callback`,
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(autoPostPage(manifestPostUrl(webUrl, options.organization), manifest, state));
      return;
    }
    if (url.pathname === '/callback') {
      try {
        if (url.searchParams.get('state') !== state) throw new Error('the state does not match: start hubgate setup again');
        const app = await convertManifestCode(apiUrl, url.searchParams.get('code') ?? '', options.fetch ?? fetch);
        const settings = registeredSettings(app, { apiUrl, webUrl, publicUrl });
        if (options.outFile) {
          writeSettingsFile(options.outFile, settings);
          print(`The app ${app.slug} (id ${app.id}) is registered; its settings are in ${options.outFile} (mode 0600): start with HUBGATE_CONFIG_FILE=${options.outFile}`);
        } else {
          print(`The app ${app.slug} (id ${app.id}) is registered. Keep these settings (they are shown once):`);
          for (const [k, v] of Object.entries(settings)) print(`${k}=${JSON.stringify(v)}`);
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Done</title><h1>The GitHub App is registered</h1><p>You can close this page.</p>');
        resolveDone({ appId: app.id, slug: app.slug, settings });
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`Setup failed: ${(error as Error).message}`);
        rejectDone(error);
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  print(`Open ${url} in a browser signed in to GitHub (${webUrl}) to register the app.`);
  return {
    url,
    done: done.finally(() => server.close()),
    close: () => server.close(),
  };
}
