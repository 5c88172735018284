import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { OidcConfig } from '../config.js';
import { AppError } from '../errors/app-error.js';
import { identityFromClaims } from './identity.js';
import type { UserPrincipal } from './principal.js';

/**
 * API callers send `Authorization: Bearer <JWT>` issued by the identity provider (WorkOS AuthKit's access tokens
 * are such JWTs): verified against the issuer's JWKS, its issuer, audience (the client id or a configured API
 * audience), expiry and subject; tenant and role from the same claims as sign-in. No cookies, so no CSRF.
 */
export class BearerTokens {
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(
    private readonly config: OidcConfig,
    private readonly jwksUri: () => Promise<string>,
  ) {}

  async verify(token: string): Promise<UserPrincipal> {
    try {
      this.jwks ??= createRemoteJWKSet(new URL(await this.jwksUri()));
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.apiAudience ?? this.config.clientId,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      });
      return {
        ...identityFromClaims(payload as Record<string, unknown>, this.config),
        kind: 'user',
        via: 'bearer',
        csrfToken: '',
        sessionHash: null,
      };
    } catch (cause) {
      throw new AppError('unauthenticated', 'The bearer token is invalid or expired.', { cause });
    }
  }
}
