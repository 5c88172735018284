import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors/app-error.js';

/** How long an issuer's discovery document and keys are kept before they are read again. */
const maxAgeMs = 10 * 60_000;
/** An ID token naming a `kid` the cached keys lack fetches them again, at most once per this interval. */
export const refetchCooldownMs = 60_000;

interface IssuerEntry {
  keys: ReturnType<typeof createLocalJWKSet>;
  fetchedAt: number;
}

const unreachable = (issuer: string, error: unknown) =>
  error instanceof AppError
    ? new AppError('unauthenticated', `The ID token's issuer cannot be reached: ${error.message}`)
    : new AppError('unauthenticated', `The ID token's issuer ${issuer} cannot be read (${(error as Error).message}).`);

/**
 * The signing keys of each OpenID issuer a trust policy names: its discovery document
 * (`/.well-known/openid-configuration`) and the JWKS it points to, fetched through the outbound guard (an issuer is
 * a tenant's input: https, public addresses only, bounded answers), kept ten minutes. A token naming a `kid` the
 * cached set lacks (the issuer rotated its keys) fetches the set again, at most once a minute per issuer however
 * many such tokens arrive, and one fetch at a time. Written here rather than with jose's `createRemoteJWKSet`
 * because its cooldown runs on the wall clock and fetches without the discovery step; jose still checks the keys.
 */
export class IssuerKeys {
  private readonly issuers = new Map<string, IssuerEntry>();
  private readonly fetching = new Map<string, Promise<IssuerEntry>>();

  constructor(
    private readonly fetch: typeof globalThis.fetch,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** jose's key resolver for tokens of this issuer. */
  async keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    let entry = this.issuers.get(issuer);
    if (!entry || this.nowMs() - entry.fetchedAt >= maxAgeMs) entry = await this.refresh(issuer, entry);
    return async (header, token) => {
      const current = this.issuers.get(issuer) ?? entry;
      try {
        return await current.keys(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || this.nowMs() - current.fetchedAt < refetchCooldownMs) throw error;
        return (await this.refresh(issuer, current)).keys(header, token);
      }
    };
  }

  private refresh(issuer: string, known: IssuerEntry | undefined): Promise<IssuerEntry> {
    let pending = this.fetching.get(issuer);
    if (!pending) {
      pending = this.read(issuer)
        .catch((error: unknown) => {
          // A known issuer keeps its keys through an outage (tried again after the cooldown).
          if (known) return { ...known, fetchedAt: this.nowMs() - maxAgeMs + refetchCooldownMs };
          throw unreachable(issuer, error);
        })
        .then((entry) => {
          this.issuers.set(issuer, entry);
          return entry;
        })
        .finally(() => this.fetching.delete(issuer));
      this.fetching.set(issuer, pending);
    }
    return pending;
  }

  private async read(issuer: string): Promise<IssuerEntry> {
    const document = (await this.json(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer || typeof document.jwks_uri !== 'string')
      throw new AppError('unauthenticated', "The ID token's issuer publishes a discovery document for another issuer, or no jwks_uri.");
    const jwks = (await this.json(new URL(document.jwks_uri).href)) as JSONWebKeySet;
    if (!jwks || !Array.isArray(jwks.keys)) throw new AppError('unauthenticated', "The ID token's issuer publishes no key set at its jwks_uri.");
    return { keys: createLocalJWKSet(jwks), fetchedAt: this.nowMs() };
  }

  private async json(url: string): Promise<unknown> {
    const answer = await this.fetch(url, { headers: { accept: 'application/json' } });
    if (!answer.ok) throw new Error(`HTTP ${answer.status} from ${url}`);
    return answer.json();
  }
}
