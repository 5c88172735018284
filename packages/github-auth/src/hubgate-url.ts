import { GitHubAuthError } from './errors.js';

const loopbackHost = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * `HUBGATE_URL` as the base the agent key is sent to (with a trailing slash): https, or plain http to this machine
 * only. The one rule for every client that carries a key or an ID token to hubgate (the git helper, `hubgate mcp`).
 */
export function hubgateBaseUrl(raw: string): URL {
  const trimmed = raw.trim();
  let url: URL;
  try {
    url = new URL(trimmed.endsWith('/') ? trimmed : `${trimmed}/`);
  } catch {
    throw new GitHubAuthError('invalid_config', `HUBGATE_URL "${trimmed}" is not a URL (expected https://hubgate.example)`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHost.test(url.hostname)))
    throw new GitHubAuthError(
      'invalid_config',
      `HUBGATE_URL ${url.origin} is neither https nor a loopback address: the agent key is only ever sent over https`,
    );
  return url;
}
