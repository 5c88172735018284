import { readFileSync } from 'node:fs';
import { AppJwt, type JwtSigner, localRs256Signer } from './app-jwt.js';
import { type Clock, systemClock } from './clock.js';
import { GitHubAuthError } from './errors.js';
import { parsePrivateKey } from './private-key.js';

export interface AppCredentialsOptions {
  appId?: number | string;
  clientId?: string;
  /** PEM (PKCS#1 or PKCS#8, `\n`-escaped, newlines lost) or base64 of it; several during key rotation */
  privateKey?: string | string[];
  privateKeyPath?: string;
  /** sign with a KMS or HSM instead of a local key */
  signer?: JwtSigner;
  /** `https://api.github.com` (default), GHES `https://HOST/api/v3`, GHE.com `https://api.SUBDOMAIN.ghe.com` */
  apiUrl?: string;
  /** use the numeric app id as `iss` (GHES 3.12 and 3.13 accept nothing else) */
  issuerIsAppId?: boolean;
  clock?: Clock;
}

export interface AppCredentials {
  /** the identity used in cache keys: `app:<id>` or `client:<client id>` */
  appKey: string;
  appId: number | null;
  clientId: string | null;
  apiUrl: string;
  webUrl: string;
  jwt: AppJwt;
}

/** `https://api.github.com` -> `https://github.com`; GHES `https://h/api/v3` -> `https://h`; GHE.com `api.x.ghe.com` -> `x.ghe.com`. */
export function webUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  if (url.hostname.startsWith('api.') && url.hostname.endsWith('.ghe.com'))
    return `${url.protocol}//${url.hostname.slice(4)}`;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}

export function normalizeApiUrl(apiUrl: string | undefined): string {
  const raw = (apiUrl ?? 'https://api.github.com').trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GitHubAuthError(
      'invalid_config',
      `apiUrl "${raw}" is not a URL (expected https://api.github.com or https://HOST/api/v3)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GitHubAuthError('invalid_config', `apiUrl "${raw}" must be http(s)`);
  }
  return raw.replace(/\/+$/, '');
}

/** Checks an app's credentials once, at creation, with errors that say what to fix. */
export function createAppCredentials(options: AppCredentialsOptions): AppCredentials {
  const appId = options.appId === undefined || options.appId === '' ? null : Number(options.appId);
  if (appId !== null && (!Number.isInteger(appId) || appId <= 0)) {
    throw new GitHubAuthError(
      'invalid_config',
      `app id "${options.appId}" is not a positive integer (the App ID on the app's settings page)`,
    );
  }
  const clientId = options.clientId?.trim() || null;
  if (appId === null && clientId === null)
    throw new GitHubAuthError('invalid_config', 'a GitHub App needs its app id or its client id');
  if (options.issuerIsAppId && appId === null)
    throw new GitHubAuthError('invalid_config', 'issuerIsAppId needs the numeric app id');

  let signer = options.signer;
  if (!signer) {
    const sources = [options.privateKey ?? []].flat();
    if (options.privateKeyPath) {
      try {
        sources.push(readFileSync(options.privateKeyPath, 'utf8'));
      } catch (cause) {
        throw new GitHubAuthError(
          'invalid_private_key',
          `cannot read the private key file ${options.privateKeyPath}`,
          { cause },
        );
      }
    }
    if (sources.length === 0)
      throw new GitHubAuthError('invalid_private_key', 'a GitHub App needs a private key (or a signer)');
    // The first key signs; the others are accepted so that a rotation can be staged in config.
    const keys = sources.map((source) => parsePrivateKey(source));
    signer = localRs256Signer(keys[0]!);
  }
  const apiUrl = normalizeApiUrl(options.apiUrl);
  const issuer = options.issuerIsAppId || clientId === null ? appId! : clientId;
  return {
    appKey: clientId ? `client:${clientId}` : `app:${appId}`,
    appId,
    clientId,
    apiUrl,
    webUrl: webUrlFor(apiUrl),
    jwt: new AppJwt({ issuer, signer, clock: options.clock ?? systemClock }),
  };
}
