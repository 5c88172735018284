import { eq } from 'drizzle-orm';
import * as oidc from 'openid-client';
import type { OidcConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { oidcLogins } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import { type Identity, identityFromClaims } from './identity.js';

/** Sign-in with OpenID Connect: authorization code with PKCE; state, nonce and verifier kept server-side, single use. */
export class OidcLogin {
  private constructor(
    private readonly client: oidc.Configuration,
    private readonly config: OidcConfig,
    private readonly redirectUri: string,
  ) {}

  static async discover(config: OidcConfig, redirectUri: string): Promise<OidcLogin> {
    const issuer = new URL(config.issuer);
    const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
    const client = await oidc.discovery(issuer, config.clientId, config.clientSecret, undefined, options);
    return new OidcLogin(client, config, redirectUri);
  }

  get jwksUri(): string {
    const uri = this.client.serverMetadata().jwks_uri;
    if (!uri) throw new AppError('internal', 'The identity provider publishes no JWKS.');
    return uri;
  }

  async begin(db: Database, returnTo: string): Promise<string> {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await db
      .insert(oidcLogins)
      .values({ state, nonce, codeVerifier, returnTo, expiresAt: new Date(Date.now() + 10 * 60_000) });
    const url = oidc.buildAuthorizationUrl(this.client, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return url.toString();
  }

  async finish(db: Database, currentUrl: URL): Promise<{ identity: Identity; returnTo: string }> {
    const state = currentUrl.searchParams.get('state');
    if (!state) throw new AppError('invalid_state', 'The sign-in answer has no state; start again.');
    const [login] = await db.delete(oidcLogins).where(eq(oidcLogins.state, state)).returning();
    if (!login || login.expiresAt.getTime() < Date.now())
      throw new AppError('invalid_state', 'This sign-in has expired or was already used; start again.');
    try {
      const tokens = await oidc.authorizationCodeGrant(this.client, currentUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
      });
      const claims = tokens.claims();
      if (!claims) throw new AppError('unauthenticated', 'The identity provider sent no ID token.');
      return {
        identity: identityFromClaims(claims as Record<string, unknown>, this.config),
        returnTo: login.returnTo,
      };
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('unauthenticated', 'Sign-in failed at the identity provider; start again.', {
        cause: error,
      });
    }
  }
}
