import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { demoUsers } from './demo-users.js';
import { memoryAdapterFactory } from './oidc-memory-adapter.js';

export interface LocalOidcProvider {
  issuer: string;
  /** a JWT access token for a demo user, signed with the provider's key (as an AuthKit access token would be) */
  issueAccessToken(sub: string, options?: AccessTokenOptions): Promise<string>;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** Tests forge what an attacker could: null leaves the claim out. */
export interface AccessTokenOptions {
  expiresIn?: string | null;
  audience?: string | null;
  subject?: string | null;
  issuer?: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A real OpenID provider (`oidc-provider`) for the sandbox, so that the sandbox signs in through the same
 * code as production. Its login page lists the demo users; consent is granted on their behalf.
 */
export async function startLocalOidcProvider(options: {
  redirectUri: string;
  /** where the provider may send the browser back after ending its session (RP-initiated logout) */
  postLogoutRedirectUri: string;
  /** false: publish no end_session_endpoint, as some real providers do */
  rpInitiatedLogout?: boolean;
  port?: number;
  host?: string;
}): Promise<LocalOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve()),
  );
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'sandbox', use: 'sig', alg: 'RS256' };
  const clientId = 'hubgate-sandbox';
  const clientSecret = randomBytes(24).toString('hex');

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [options.postLogoutRedirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    adapter: memoryAdapterFactory(),
    // Explicit lifetimes (seconds): oidc-provider prints a NOTICE for each default it has to apply.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 86_400,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 86_400,
      Session: 86_400,
    },
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name', 'org_id', 'org_name', 'role'], email: ['email'] },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: options.rpInitiatedLogout ?? true, logoutSource: autoConfirmedLogout },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const user = demoUsers.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, name: user.name, email: user.email, org_id: user.org_id, org_name: user.org_name, role: user.role }),
      };
    },
  });
  const callback = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) {
      callback(req, res);
      return;
    }
    void handleInteraction(provider, req, res, match[2] === '/login').catch((error) => {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`sign-in failed: ${(error as Error).message}`);
    });
  });

  return {
    issuer,
    async issueAccessToken(sub, tokenOptions = {}) {
      const user = demoUsers.find((u) => u.sub === sub);
      if (!user) throw new Error(`no demo user ${sub}`);
      const jwt = new SignJWT({ org_id: user.org_id, org_name: user.org_name, role: user.role, name: user.name })
        .setProtectedHeader({ alg: 'RS256', kid: 'sandbox' })
        .setIssuer(tokenOptions.issuer ?? issuer)
        .setIssuedAt();
      const subject = tokenOptions.subject === undefined ? sub : tokenOptions.subject;
      const audience = tokenOptions.audience === undefined ? clientId : tokenOptions.audience;
      const expiresIn = tokenOptions.expiresIn === undefined ? '10m' : tokenOptions.expiresIn;
      if (subject !== null) jwt.setSubject(subject);
      if (audience !== null) jwt.setAudience(audience);
      if (expiresIn !== null) jwt.setExpirationTime(expiresIn);
      return jwt.sign(privateKey);
    },
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The end-session page submits itself: the provider's default page asks "Do you want to sign out?" (a guard
 * against other sites signing people out), which in the sandbox only makes switching demo users two clicks.
 * Without scripts it is one button.
 */
async function autoConfirmedLogout(ctx: { body: unknown }, form: string) {
  ctx.body = `<!doctype html><title>Signing out · sandbox</title><body style="font:15px system-ui;max-width:520px;margin:60px auto"><h1>Signing out of the sandbox</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button><script>document.querySelector('button[name=logout]').click()</script></body>`;
}

async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  isLogin: boolean,
) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login' && !isLogin) {
    const buttons = demoUsers
      .map(
        (u) =>
          `<button name="sub" value="${escapeHtml(u.sub)}">${escapeHtml(u.name)} <small>(${escapeHtml(u.role)}, ${escapeHtml(u.org_id)})</small></button><br>`,
      )
      .join('');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><title>Sign in · sandbox</title><body style="font:15px system-ui;max-width:520px;margin:60px auto"><h1>Sign in to the sandbox</h1><form method="post" action="/interaction/${escapeHtml(details.uid)}/login">${buttons}</form></body>`,
      );
    return;
  }
  if (details.prompt.name === 'login') {
    const body = await readForm(req);
    const user = demoUsers.find((u) => u.sub === body.get('sub'));
    if (!user) throw new Error('unknown demo user');
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  // Consent: granted for the sandbox's own client.
  const { session, params, prompt } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
  const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant!.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}
