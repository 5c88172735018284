import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { OidcConfig } from '../config.js';
import { AppError } from '../errors.js';
import { identityFromClaims } from './identity.js';
import type { Session } from './sessions.js';

/**
 * API callers send `Authorization: Bearer <JWT>` issued by the identity provider (WorkOS AuthKit's access tokens
 * are such JWTs): verified against the issuer's JWKS, its `iss` and expiry; tenant and role from the same claims
 * as sign-in. Bearer calls carry no cookies, so they need no CSRF token.
 */
export class BearerTokens {
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    private readonly config: OidcConfig,
    private readonly jwksUri: () => Promise<string>,
  ) {}

  async verify(token: string): Promise<Session> {
    this.jwks ??= createRemoteJWKSet(new URL(await this.jwksUri()));
    try {
      const { payload } = await jwtVerify(token, this.jwks, { issuer: this.config.issuer, clockTolerance: 30 });
      return { ...identityFromClaims(payload as Record<string, unknown>, this.config), csrfToken: '', viaBearer: true };
    } catch (cause) {
      throw new AppError('unauthenticated', 'The bearer token is invalid or expired.', { cause });
    }
  }
}
