import { createAppCredentials } from '@hubgate/github-auth';
import type { GitHubAppSettings } from '../../apps/github-app-settings.js';
import { checkFetch, type Finding, fail, ok, reason, warn } from './finding.js';

/** Past this, a JWT's `iat`/`exp` drift enough for GitHub to refuse it on a bad day (docs: 60 s leeway). */
const maxSkewSeconds = 30;

/**
 * The app's key parses, GitHub accepts a JWT signed with it, and `GET /app` names the app the settings name:
 * its id, client id and slug. GitHub takes the client id as the JWT issuer, so a wrong `GITHUB_APP_ID` is
 * only caught by comparing it with what GitHub answers.
 * https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */
export async function checkGitHubApp(github: Readonly<GitHubAppSettings>, now = Date.now): Promise<Finding[]> {
  const findings: Finding[] = [];
  let app: ReturnType<typeof createAppCredentials>;
  try {
    app = createAppCredentials({
      appId: github.appId,
      clientId: github.clientId,
      privateKey: github.privateKey,
      privateKeyPath: github.privateKeyPath,
      apiUrl: github.apiUrl,
    });
    findings.push(ok('GITHUB_APP_PRIVATE_KEY: the private key parses'));
  } catch (error) {
    return [fail(`GITHUB_APP_PRIVATE_KEY${github.privateKeyPath ? '_PATH' : ''}: ${(error as Error).message}`)];
  }
  let response: Response;
  try {
    response = await checkFetch(`${github.apiUrl}/app`, {
      headers: { authorization: `Bearer ${await app.jwt.get()}`, accept: 'application/vnd.github+json' },
    });
  } catch (error) {
    return [...findings, fail(`GITHUB_API_URL: ${github.apiUrl} cannot be reached: ${reason(error)}`)];
  }
  const date = Date.parse(response.headers.get('date') ?? '');
  if (!Number.isNaN(date)) {
    const skew = Math.round((date - now()) / 1000);
    findings.push(
      Math.abs(skew) > maxSkewSeconds
        ? fail(`clock skew with GitHub is ${skew} s (hubgate corrects it, but fix NTP on this machine)`)
        : ok(`clock skew with GitHub: ${skew} s`),
    );
  } else findings.push(warn('clock skew with GitHub: unknown (no Date header)'));
  const body = (await response.json().catch(() => ({}))) as {
    id?: number;
    client_id?: string;
    slug?: string;
    message?: string;
  };
  if (!response.ok || body.id === undefined) {
    const message = body.message ?? `HTTP ${response.status}`;
    const hint = /decoded|Integration not found/i.test(message)
      ? ` (GITHUB_APP_CLIENT_ID${github.appId ? ' or GITHUB_APP_ID' : ''} and the key belong to different apps)`
      : '';
    return [...findings, fail(`GitHub refused the app's JWT: ${message}${hint}`)];
  }
  const mismatches: Finding[] = [];
  if (github.appId !== undefined && body.id !== github.appId)
    mismatches.push(fail(`GITHUB_APP_ID is ${github.appId}, but the key belongs to app id ${body.id}`));
  if (github.clientId !== undefined && body.client_id !== undefined && body.client_id !== github.clientId)
    mismatches.push(
      fail(`GITHUB_APP_CLIENT_ID is "${github.clientId}", but the key belongs to client id "${body.client_id}"`),
    );
  if (github.slug !== undefined && body.slug !== undefined && body.slug !== github.slug)
    mismatches.push(fail(`GITHUB_APP_SLUG is "${github.slug}", but the key belongs to app "${body.slug}"`));
  if (mismatches.length > 0) return [...findings, ...mismatches];
  return [...findings, ok(`app id, client id and key belong to app "${body.slug}" (id ${body.id})`)];
}
