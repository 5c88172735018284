import { createSign, type KeyObject } from 'node:crypto';
import type { Clock } from './clock.js';

/** Signs `header.payload` with RS256; the default uses a local key, a KMS or HSM can stand in. */
export type JwtSigner = (signingInput: string) => Promise<Buffer> | Buffer;

export function localRs256Signer(key: KeyObject): JwtSigner {
  return (input) => createSign('RSA-SHA256').update(input).sign(key);
}

export interface AppJwtOptions {
  /** the client id (recommended) or the numeric app id; GHES 3.12/3.13 accept only the app id */
  issuer: string | number;
  signer: JwtSigner;
  clock: Clock;
}

const backdateSeconds = 60;
const lifetimeSeconds = 9 * 60;
const reuseMarginMs = 60_000;

/**
 * App JWTs as GitHub wants them: integer `iat` 60 s in the past, `exp` under 10 minutes ahead, both on GitHub's
 * clock as far as we know it. One JWT is signed and reused until a minute before it expires. The skew learned
 * from a 401 is kept for the process (@octokit/auth-app forgets it after each request).
 */
export class AppJwt {
  private cached: { jwt: string; expiresAtMs: number; skewMs: number } | null = null;
  private pending: Promise<string> | null = null;
  private skewMs = 0;

  constructor(private readonly options: AppJwtOptions) {}

  /** GitHub's clock minus ours, as last learned. */
  get clockSkewMs(): number {
    return this.skewMs;
  }

  async get(): Promise<string> {
    const now = this.options.clock.now();
    const cached = this.cached;
    if (cached && cached.skewMs === this.skewMs && cached.expiresAtMs - reuseMarginMs > now + this.skewMs)
      return cached.jwt;
    this.pending ??= this.sign().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /**
   * Learns GitHub's clock from the `Date` header of a skew 401. Returns whether the estimate changed enough
   * to be worth a retry.
   */
  learnSkew(dateHeader: string | undefined): boolean {
    const githubNow = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    if (Number.isNaN(githubNow)) return false;
    const skew = githubNow - this.options.clock.now();
    const changed = Math.abs(skew - this.skewMs) >= 1000;
    this.skewMs = skew;
    if (changed) this.cached = null;
    return changed;
  }

  private async sign(): Promise<string> {
    const skewMs = this.skewMs;
    const now = Math.floor((this.options.clock.now() + skewMs) / 1000);
    const header = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ iat: now - backdateSeconds, exp: now + lifetimeSeconds, iss: this.options.issuer }),
    ).toString('base64url');
    const input = `${header}.${payload}`;
    const signature = Buffer.from(await this.options.signer(input)).toString('base64url');
    const jwt = `${input}.${signature}`;
    this.cached = { jwt, expiresAtMs: (now + lifetimeSeconds) * 1000, skewMs };
    return jwt;
  }
}
