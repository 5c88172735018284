import { TokenCipher } from '@hubgate/github-auth';
import type { ServerConfig } from '../../config.js';
import { type Finding, fail, ok } from './finding.js';

/** GitHub's advice is "a random string with high entropy"; 32 characters of `openssl rand -hex 16` or more. */
const minWebhookSecretLength = 32;

function webhookSecretProblem(secret: string): string | null {
  if (secret.length < minWebhookSecretLength)
    return `is ${secret.length} characters; use ${minWebhookSecretLength} or more random ones (openssl rand -hex 32)`;
  if (new Set(secret).size < 10) return 'repeats a few characters: use a random one (openssl rand -hex 32)';
  return null;
}

/** The webhook secrets are strong, and the 32-byte keys parse. */
export function checkSecrets(config: ServerConfig): Finding[] {
  const findings: Finding[] = [];
  if (config.github) {
    const [current, previous] = config.github.webhookSecrets;
    for (const [name, secret] of [
      ['GITHUB_APP_WEBHOOK_SECRET', current],
      ['GITHUB_APP_WEBHOOK_SECRET_PREVIOUS', previous],
    ] as const) {
      if (secret === undefined) continue;
      const problem = webhookSecretProblem(secret);
      findings.push(problem ? fail(`${name} ${problem}`) : ok(`${name} is set and long enough`));
    }
  }
  for (const [name, key] of [
    ['HUBGATE_SECRET_KEY', config.secretKey],
    ['HUBGATE_CACHE_KEY', config.cacheKey],
  ] as const) {
    if (key === undefined) continue;
    try {
      new TokenCipher(key);
      findings.push(ok(`${name} is a 32-byte key`));
    } catch {
      findings.push(fail(`${name} must be 32 bytes: 64 hex characters or 44 base64 characters (openssl rand -hex 32)`));
    }
  }
  return findings;
}
