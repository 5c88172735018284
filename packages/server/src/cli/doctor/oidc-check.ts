import type { OidcConfig } from '../../config.js';
import { checkFetch, type Finding, fail, ok, reason } from './finding.js';

async function getJson(url: string): Promise<unknown> {
  const response = await checkFetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/**
 * The sign-in issuer answers its discovery document, which names itself as the issuer (as OpenID Connect
 * Discovery 1.0 §4.3 requires, and openid-client checks) and points at a JWKS holding keys: what sign-in and
 * bearer tokens need, found now instead of at the first sign-in.
 */
export async function checkOidcIssuer(oidc: OidcConfig): Promise<Finding[]> {
  const issuer = oidc.issuer.replace(/\/+$/, '');
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  let discovery: { issuer?: string; jwks_uri?: string; authorization_endpoint?: string; token_endpoint?: string };
  try {
    discovery = (await getJson(discoveryUrl)) as typeof discovery;
  } catch (error) {
    return [fail(`OIDC_ISSUER: no discovery document at ${discoveryUrl}: ${reason(error)}`)];
  }
  if ((discovery.issuer ?? '').replace(/\/+$/, '') !== issuer)
    return [fail(`OIDC_ISSUER is ${oidc.issuer}, but its discovery document names issuer ${discovery.issuer}`)];
  if (!discovery.authorization_endpoint || !discovery.token_endpoint || !discovery.jwks_uri)
    return [fail(`OIDC_ISSUER: the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri`)];
  try {
    const jwks = (await getJson(discovery.jwks_uri)) as { keys?: unknown[] };
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
      return [fail(`OIDC_ISSUER: its JWKS at ${discovery.jwks_uri} holds no keys`)];
    return [ok(`OIDC_ISSUER: discovery document and JWKS (${jwks.keys.length} key(s)) at ${issuer}`)];
  } catch (error) {
    return [fail(`OIDC_ISSUER: its JWKS at ${discovery.jwks_uri} cannot be read: ${reason(error)}`)];
  }
}
