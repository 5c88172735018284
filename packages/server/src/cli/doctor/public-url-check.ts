import type { ServerConfig } from '../../config.js';
import { checkFetch, type Finding, fail, ok, reason, warn } from './finding.js';

const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * GitHub sends admins back to PUBLIC_URL and delivers webhooks there: with a real app it must be set, https
 * (but for a loopback address), and, once hubgate serves, answer /healthz.
 */
export async function checkPublicUrl(config: ServerConfig): Promise<Finding[]> {
  const publicUrl = config.publicUrl;
  // The merged configuration (environment and HUBGATE_CONFIG_FILE), as serve reads it.
  if (!publicUrl) {
    return config.github
      ? [fail('PUBLIC_URL: not set; GitHub redirects admins and sends webhooks to it (https://hubgate.example.com)')]
      : [ok('PUBLIC_URL not set: the sandbox uses the address it listens on')];
  }
  const url = new URL(publicUrl);
  const findings: Finding[] = [];
  if (url.protocol !== 'https:' && !loopback.test(url.hostname))
    findings.push(fail(`PUBLIC_URL is ${publicUrl}: GitHub and browsers must reach it over https`));
  try {
    const response = await checkFetch(`${publicUrl}/healthz`);
    findings.push(
      response.ok
        ? ok(`PUBLIC_URL: ${publicUrl}/healthz answers`)
        : warn(`PUBLIC_URL: ${publicUrl}/healthz answers HTTP ${response.status}`),
    );
  } catch (error) {
    findings.push(warn(`PUBLIC_URL: ${publicUrl} cannot be reached (${reason(error)}); fine if hubgate is not serving yet`));
  }
  return findings;
}
