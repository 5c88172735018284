import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import type { AppEnv } from '../http/app-env.js';

/** What the sandbox's token endpoint wants as bearer, as GitHub's runner hands ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
export const demoWorkloadRequestToken = 'sandbox-workload';

const tokenQuery = z.object({
  audience: z.string().min(1, 'audience: the tenant audience (<hubgate URL>/tenants/<organization id>)').max(500),
  subject: z.string().min(1, 'subject: e.g. repo:tisket-com/app:ref:refs/heads/main or system:serviceaccount:agents:reviewer').max(500),
});

/**
 * Sandbox only: an OpenID issuer for workload identity at `/sandbox/workload`, so a newcomer can try the token
 * exchange without a CI system or a cluster. `GET /sandbox/workload/token?audience=...&subject=...` answers as GitHub
 * Actions' ID token endpoint does (`{ value }`, the runner's request token as bearer), with GitHub Actions' claims for
 * a `repo:OWNER/REPO:...` subject and Kubernetes' for `system:serviceaccount:NS:NAME`.
 */
export async function demoWorkloadIssuer(publicUrl: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'sandbox-workload-1', alg: 'RS256', use: 'sig' };
  const issuer = `${publicUrl.replace(/\/+$/, '')}/sandbox/workload`;
  const app = new Hono<AppEnv>();
  app.get('/.well-known/openid-configuration', (c) => c.json({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
  app.get('/jwks', (c) => c.json({ keys: [jwk] }));
  app.get('/token', async (c) => {
    if (c.req.header('authorization')?.replace(/^bearer\s+/i, '') !== demoWorkloadRequestToken)
      throw new AppError('unauthenticated', `Send the sandbox's request token as Authorization: bearer ${demoWorkloadRequestToken}.`);
    const parsed = tokenQuery.safeParse(c.req.query());
    if (!parsed.success) throw new AppError('bad_request', parsed.error.issues[0]!.message);
    const { audience, subject } = parsed.data;
    const now = Math.floor(Date.now() / 1000);
    const github = /^repo:([^/]+)\/([^:]+):(.*)$/.exec(subject);
    const claims = github
      ? { repository: `${github[1]}/${github[2]}`, repository_owner: github[1], ref: /ref:(.+)$/.exec(github[3]!)?.[1] ?? 'refs/heads/main' }
      : {};
    const value = await new SignJWT({ iss: issuer, aud: audience, sub: subject, iat: now, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .setExpirationTime(now + 300)
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    c.header('cache-control', 'no-store');
    return c.json({ count: 1, value });
  });
  return { issuer, app };
}
