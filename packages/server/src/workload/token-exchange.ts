import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { AppError } from '../errors/app-error.js';
import type { AgentGrantPermissions } from '@hubgate/contract';
import { sha256 } from '../sealing/sha256.js';
import type { TrustPolicyWithKey } from '../stores/trust-policy-store.js';
import type { TrustPolicyCache } from './trust-policy-cache.js';
import type { IssuedToken, TokenBroker } from '../broker/token-broker.js';
import { claimMatches } from './claim-match.js';
import type { IssuerKeys } from './issuer-keys.js';
import { tenantAudience } from './tenant-audience.js';

/** An ID token is a few kilobytes at most (GitHub's ~1.2 KB, Kubernetes' ~1 KB); larger is refused unread. */
export const maxSubjectTokenBytes = 16 * 1024;
/** Only signatures with the issuer's private key: never `none`, never a shared secret (HS*). */
const asymmetric = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** Clocks drift: an ID token is accepted this long before `nbf` and after `exp`. */
const clockToleranceSeconds = 5;

export interface ExchangeRequest {
  subjectToken: string;
  repository: string;
  permissions?: AgentGrantPermissions;
  minValidityMs?: number;
}

export interface Exchanged {
  issued: IssuedToken;
  policy: { id: string; name: string };
}

const refused = (message: string) => new AppError('unauthenticated', message);

/**
 * RFC 8693 token exchange for workloads: an OpenID ID token (GitHub Actions', a Kubernetes service account's, any
 * issuer's) for a repository token, under the trust policies of the tenant its audience names. The order is what
 * keeps it cheap and safe: the size and the header first (no `none`, no HS*), the audience names the tenant
 * (`<PUBLIC_URL>/tenants/<org>`), only that tenant's policies for that issuer are read, one signature check
 * against the issuer's cached keys, then the policies' matchers, then the broker as for an agent key, with the
 * policy's grant. Refusals name the reason, never a policy's contents.
 */
export class TokenExchange {
  constructor(
    private readonly policiesOf: TrustPolicyCache,
    private readonly broker: TokenBroker,
    private readonly issuerKeys: IssuerKeys,
    private readonly publicUrl: string,
    private readonly nowMs: () => number,
  ) {}

  /**
   * Who an ID token is under this hubgate's trust policies: the tenant its audience names and the first of that
   * tenant's policies it matches (the MCP server authenticates by this too). Refusals name the check that failed.
   */
  async identify(subjectToken: string): Promise<{ policy: TrustPolicyWithKey; organizationId: string; issuer: string; subject: string }> {
    if (Buffer.byteLength(subjectToken) > maxSubjectTokenBytes)
      throw new AppError('too_large', `subject_token: larger than ${maxSubjectTokenBytes / 1024} KB; an ID token is a few KB.`);
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(subjectToken);
      claims = decodeJwt(subjectToken);
    } catch {
      throw new AppError('bad_request', 'subject_token: not a JWT (an OpenID ID token is three base64url parts).', { details: { field: 'subject_token' } });
    }
    if (!header.alg || header.alg === 'none') throw refused('The ID token is unsigned (alg: none); refused.');
    if (!asymmetric.includes(header.alg))
      throw refused(`The ID token is signed with ${header.alg}; only the issuer's private key is accepted (RS256, ES256, ...), never a shared secret.`);
    const organizationId = this.tenantOf(claims.aud);
    const issuer = typeof claims.iss === 'string' ? claims.iss : '';
    const policies = issuer ? await this.policiesOf.liveFor(organizationId, issuer) : [];
    if (policies.length === 0) throw refused('The ID token\'s issuer is not trusted by any policy of this organization.');

    let verified: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload: verified } = await jwtVerify(subjectToken, await this.issuerKeys.keysOf(issuer), {
        issuer,
        audience: tenantAudience(this.publicUrl, organizationId),
        algorithms: asymmetric,
        clockTolerance: clockToleranceSeconds,
        currentDate: new Date(this.nowMs()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw verificationRefusal(error);
    }
    const policy = policies.find((candidate) => matches(candidate, verified));
    if (!policy) throw refused('No trust policy of this organization matches this ID token (its subject and claims).');
    return { policy, organizationId, issuer, subject: verified.sub! };
  }

  async exchange(request: ExchangeRequest, rateLimit?: (keyHash: string) => Promise<void>): Promise<Exchanged> {
    const { subjectToken } = request;
    const { policy, issuer, subject } = await this.identify(subjectToken);
    const call = await this.broker.authorizeByKeyHash(policy.keyHash, request.repository, rateLimit).catch((error: unknown) => {
      // The policy's key is revoked: the policy was deleted since this replica read it (policy-cache.ts).
      throw error instanceof AppError && error.code === 'unauthenticated' ? refused('The trust policy that matched this ID token was deleted.') : error;
    });
    // The same ID token, repository and permissions asked again answer the same lease: a retry mints nothing.
    const job = `id-token:${sha256(`${subjectToken}\n${request.repository}\n${JSON.stringify(request.permissions ?? {})}`).slice(0, 32)}`;
    const issued = await this.broker.issue(call, {
      repository: request.repository,
      permissions: request.permissions,
      minValidityMs: request.minValidityMs,
      job,
      reuseLeaseOfJob: true,
      auditDetail: { exchange: { policyId: policy.id, policyName: policy.name, issuer, subject } },
    });
    return { issued, policy: { id: policy.id, name: policy.name } };
  }

  /** The one tenant the audience names; an ID token for none (or for two) is refused. */
  private tenantOf(aud: unknown): string {
    const prefix = tenantAudience(this.publicUrl, '');
    const audiences = (Array.isArray(aud) ? aud : [aud]).filter((a): a is string => typeof a === 'string');
    const tenants = [...new Set(audiences.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)))];
    if (tenants.length !== 1 || !/^[A-Za-z0-9_.-]{1,128}$/.test(tenants[0]!))
      throw refused(`The ID token's audience must be ${prefix}<your organization id> (one tenant, exactly); ask your CI for an ID token with that audience.`);
    return tenants[0]!;
  }
}

function matches(policy: TrustPolicyWithKey, claims: Record<string, unknown>): boolean {
  if (!claimMatches(policy.subject, claims.sub)) return false;
  return Object.entries(policy.claims).every(([name, pattern]) => claimMatches(pattern, claims[name]));
}

/** jose's refusals in the caller's terms: which check failed, nothing of the keys or policies. */
function verificationRefusal(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof errors.JWTExpired) return refused('The ID token has expired; ask for a fresh one.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat') return refused('The ID token is not valid yet (nbf or iat in the future).');
    if (error.claim === 'aud') return refused('The ID token\'s audience is not this organization\'s.');
    return refused(`The ID token's ${error.claim} claim is missing or wrong.`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return refused('The ID token is signed with a key its issuer does not publish.');
  if (error instanceof errors.JWSSignatureVerificationFailed) return refused('The ID token\'s signature does not verify with its issuer\'s keys.');
  if (error instanceof errors.JOSEAlgNotAllowed) return refused('The ID token is signed with an algorithm that is not accepted.');
  if (error instanceof errors.JWKSTimeout) return new AppError('github_unreachable', 'The ID token\'s issuer did not answer in time; try again.');
  if (error instanceof errors.JOSEError) return refused(`The ID token cannot be verified (${error.code}).`);
  return new AppError('github_unreachable', `The ID token's issuer cannot be reached (${(error as Error).message}).`);
}
