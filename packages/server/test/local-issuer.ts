import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

type Key = { kid: string; privateKey: CryptoKey; publicJwk: JWK };

const newKey = async (kid: string): Promise<Key> => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
};

/**
 * An OpenID issuer on 127.0.0.1 for the exchange tests: a discovery document and a JWKS (whose fetches it counts),
 * keys it can rotate, and ID tokens shaped like GitHub Actions' or Kubernetes' service-account tokens.
 */
export class LocalIssuer {
  jwksFetches = 0;
  /** GitHub Actions' ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): the claims of the job it answers for */
  actionsJob: JWTPayload = {};
  readonly actionsRequestToken = 'actions-request-token-for-tests';
  private keys: Key[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LocalIssuer> {
    // The request handler needs the issuer's URL, known only once the server listens.
    // eslint-disable-next-line prefer-const
    let issuer!: LocalIssuer;
    const server = createServer((request, response) => {
      if (request.url === '/.well-known/openid-configuration') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
      } else if (request.url?.startsWith('/actions/id-token?')) {
        // As GitHub's endpoint: the runner's request token as bearer, the audience as a query parameter.
        const audience = new URL(request.url, issuer.url).searchParams.get('audience');
        if (request.headers.authorization !== `bearer ${issuer.actionsRequestToken}` || !audience) {
          response.statusCode = 401;
          response.end();
          return;
        }
        void issuer.idToken({ ...issuer.actionsJob, aud: audience }).then((value) => {
          response.setHeader('content-type', 'application/json');
          response.end(JSON.stringify({ count: 1, value }));
        });
      } else if (request.url === '/jwks') {
        issuer.jwksFetches++;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: issuer.keys.map((k) => k.publicJwk) }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    issuer = new LocalIssuer(server, `http://127.0.0.1:${port}`);
    issuer.keys = [await newKey('key-1')];
    return issuer;
  }

  /** the current public key, for the HS256 confusion attack */
  get publicJwk(): JWK {
    return this.keys[0]!.publicJwk;
  }

  /** ACTIONS_ID_TOKEN_REQUEST_URL as the runner sets it (the helper adds `&audience=`) */
  get actionsRequestUrl(): string {
    return `${this.url}/actions/id-token?api-version=2.0`;
  }

  get host(): string {
    return new URL(this.url).host;
  }

  /** A new signing key, published beside (or instead of) the old one. */
  async rotate(options: { keepOld?: boolean } = {}): Promise<string> {
    const key = await newKey(`key-${this.keys.length + 1}-${Date.now()}`);
    this.keys = options.keepOld ? [key, ...this.keys] : [key];
    return key.kid;
  }

  /** An ID token signed with the current key (or an unpublished one); claims override the defaults. */
  async idToken(claims: JWTPayload, options: { unpublishedKey?: boolean; kid?: string; lifetimeSeconds?: number; notBefore?: number } = {}) {
    const key = options.unpublishedKey ? await newKey(this.keys[0]!.kid) : this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ iss: this.url, iat: now, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid, typ: 'JWT' })
      .setExpirationTime(now + (options.lifetimeSeconds ?? 300));
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(key.privateKey);
  }

  /** The claims GitHub Actions puts in a job's ID token. */
  static githubActionsClaims(owner: string, repo: string, audience: string, ref = 'refs/heads/main', environment?: string) {
    return {
      aud: audience,
      sub: environment ? `repo:${owner}/${repo}:environment:${environment}` : `repo:${owner}/${repo}:ref:${ref}`,
      repository: `${owner}/${repo}`,
      repository_owner: owner,
      ref,
      job_workflow_ref: `${owner}/${repo}/.github/workflows/ci.yml@${ref}`,
      ...(environment ? { environment } : {}),
      event_name: 'push',
    };
  }

  /** The claims of a Kubernetes projected service-account token. */
  static kubernetesClaims(namespace: string, serviceAccount: string, audience: string) {
    return {
      aud: [audience],
      sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
      'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount, uid: '6f0a-42' } },
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** An unsigned (`alg: none`) JWT with these claims. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** An HS256 JWT whose shared secret is the issuer's public key text: the classic confusion attack. */
export async function hs256WithPublicKey(claims: JWTPayload, publicJwk: JWK): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
}

