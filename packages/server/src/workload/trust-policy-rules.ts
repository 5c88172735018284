import { allowsPrivateHost } from '../apps/outbound-guard.js';
import { AppError } from '../errors/app-error.js';

const refuse = (field: string, message: string) => new AppError('bad_request', `${field}: ${message}`, { details: { field } });

/**
 * What a policy must pin before it is stored. An issuer such as GitHub Actions' signs ID tokens for every
 * repository in the world: a subject of `repo:*` (or a claim set that names no owner) would hand this tenant's
 * tokens to anyone's workflow. So a subject never starts with a wildcard, and a policy for GitHub's issuers names
 * the owner exactly, in the subject (`repo:OWNER/...`) or as `repository_owner` / `repository_owner_id`.
 */
export function checkPolicyPins(issuer: URL, subject: string, claims: Record<string, string>): void {
  if (subject.startsWith('*')) throw refuse('subject', 'must not start with *: name what the subject begins with');
  const githubIssuer = issuer.hostname === 'token.actions.githubusercontent.com' || issuer.pathname.replace(/\/+$/, '') === '/_services/token';
  if (!githubIssuer) return;
  const owner = /^repo:([^/*]+)\//.exec(subject)?.[1];
  const pinned = [claims.repository_owner, claims.repository_owner_id].some((value) => value !== undefined && !value.includes('*'));
  if (!owner && !pinned)
    throw refuse(
      'subject',
      'a GitHub Actions policy must name the repository owner exactly: a subject starting repo:OWNER/, or the claim repository_owner (or repository_owner_id) without *',
    );
}

/** An issuer URL as a policy may hold it: https (http only for a host the operator allows), no query or fragment. */
export function checkIssuerUrl(issuer: string, allowedPrivateHosts: readonly string[]): URL {
  const url = new URL(issuer);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowsPrivateHost(allowedPrivateHosts, url))) throw refuse('issuer', 'must be an https URL');
  if (url.search || url.hash || url.username || url.password) throw refuse('issuer', 'must have no query, fragment or credentials');
  return url;
}
