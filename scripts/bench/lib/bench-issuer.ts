import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * An OpenID issuer for the exchange row: a discovery document and a JWKS on 127.0.0.1, and ID tokens signed ahead
 * of time (ES256: a few thousand a second to sign, so each exchange in a row presents a token of its own).
 */
export async function startBenchIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  let url = '';
  const server: Server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') response.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    else if (request.url === '/jwks') response.end(JSON.stringify({ keys: [jwk] }));
    else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    host: new URL(url).host,
    /** `count` distinct ID tokens of a Kubernetes service account for this audience, valid ten minutes */
    async tokens(count: number, audience: string): Promise<string[]> {
      const now = Math.floor(Date.now() / 1000);
      const out: string[] = [];
      for (let i = 0; i < count; i++)
        out.push(
          await new SignJWT({ iss: url, aud: audience, sub: 'system:serviceaccount:bench:runner', iat: now, exp: now + 600, jti: `bench-${i}` })
            .setProtectedHeader({ alg: 'ES256', kid: 'bench-1' })
            .sign(privateKey),
        );
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
