import * as oidc from 'openid-client';
import { z } from 'zod';
import type { OidcConfig } from '../config.js';
import { AppError } from '../errors/app-error.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { type Identity, identityFromClaims } from './identity.js';

export const loginCookieName = 'hubgate_login';
const loginLifetimeMs = 10 * 60_000;
const sealedFor = 'oidc-login';

const loginCookie = z.object({
  state: z.string(),
  nonce: z.string(),
  verifier: z.string(),
  returnTo: z.string().max(512),
  expiresAt: z.number(),
});

/**
 * Sign-in with OpenID Connect: authorization code with PKCE. The state, nonce and PKCE verifier travel in a
 * short-lived, sealed, httpOnly cookie of the browser that started the sign-in, not in a table: a callback opened
 * in another browser has no such cookie and is refused (login CSRF), and an unauthenticated visitor writes nothing
 * to the database. The cookie is cleared at the callback, so a state is used once.
 */
export class OidcLogin {
  private constructor(
    private readonly client: oidc.Configuration,
    private readonly config: OidcConfig,
    private readonly redirectUri: string,
    private readonly sealer: SecretSealer,
    private readonly now: () => number,
  ) {}

  static async discover(
    config: OidcConfig,
    redirectUri: string,
    deps: { sealer: SecretSealer; now: () => number },
  ): Promise<OidcLogin> {
    const issuer = new URL(config.issuer);
    const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 };
    const client = await oidc.discovery(issuer, config.clientId, config.clientSecret, undefined, options);
    return new OidcLogin(client, config, redirectUri, deps.sealer, deps.now);
  }

  get jwksUri(): string {
    const uri = this.client.serverMetadata().jwks_uri;
    if (!uri) throw new AppError('internal', 'The identity provider publishes no JWKS.');
    return uri;
  }

  /**
   * Where the browser goes to end its session at the provider too (OpenID RP-initiated logout), coming back to
   * `postLogoutRedirectUri`, which the provider checks against the client's registration. `client_id` stands in
   * for `id_token_hint`, so no ID token is kept after sign-in. Null when the provider publishes no
   * `end_session_endpoint`: then signing out ends only hubgate's session.
   */
  endSessionUrl(postLogoutRedirectUri: string): string | null {
    if (!this.client.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(this.client, { post_logout_redirect_uri: postLogoutRedirectUri }).toString();
  }

  /** The provider's sign-in URL, and the cookie value that must come back with the callback. */
  async begin(returnTo: string): Promise<{ url: string; cookie: string }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const payload = { state, nonce, verifier, returnTo, expiresAt: this.now() + loginLifetimeMs };
    const sealed = this.sealer.seal(JSON.stringify(payload), sealedFor);
    const url = oidc.buildAuthorizationUrl(this.client, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.toString(), cookie: `${sealed.keyId}~${sealed.ciphertext}` };
  }

  async finish(currentUrl: URL, cookie: string | undefined): Promise<{ identity: Identity; returnTo: string }> {
    const state = currentUrl.searchParams.get('state');
    if (!state) throw new AppError('invalid_state', 'The sign-in answer has no state; start again.');
    const login = this.openCookie(cookie);
    if (!login)
      throw new AppError('invalid_state', 'This sign-in was not started in this browser, or has expired; sign in again.');
    if (login.expiresAt < this.now()) throw new AppError('invalid_state', 'This sign-in has expired; start again.');
    if (login.state !== state) throw new AppError('invalid_state', 'This sign-in answer belongs to another sign-in; start again.');
    try {
      const tokens = await oidc.authorizationCodeGrant(this.client, currentUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
      });
      const claims = tokens.claims();
      if (!claims) throw new AppError('unauthenticated', 'The identity provider sent no ID token.');
      return { identity: identityFromClaims(claims as Record<string, unknown>, this.config), returnTo: login.returnTo };
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('unauthenticated', 'Sign-in failed at the identity provider; start again.', { cause: error });
    }
  }

  private openCookie(cookie: string | undefined) {
    if (!cookie || cookie.length > 2000) return null;
    const [keyId, ciphertext] = cookie.split('~');
    if (!keyId || !ciphertext) return null;
    const plain = this.sealer.open({ keyId, ciphertext }, sealedFor);
    if (!plain) return null;
    const parsed = loginCookie.safeParse(JSON.parse(plain));
    return parsed.success ? parsed.data : null;
  }
}
