import { ConfigError, loadConfig, type ServerConfig } from '../config.js';
import { type Finding, ok } from './doctor/finding.js';
import { checkGitHubApp } from './doctor/github-app-check.js';
import { checkOidcIssuer } from './doctor/oidc-check.js';
import { checkPublicUrl } from './doctor/public-url-check.js';
import { checkSecrets } from './doctor/secrets-check.js';
import { checkDatabase, checkRedis } from './doctor/storage-check.js';

const marks: Record<Finding['status'], string> = { ok: 'ok   ', warn: 'warn ', fail: 'FAIL ' };

/**
 * `hubgate doctor`: every check, one line each, naming the setting at fault; exit code 1 when any fails.
 * Secrets are never printed.
 */
export async function runDoctor(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void = console.log,
): Promise<number> {
  let config: ServerConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
    for (const problem of problems) print(`${marks.fail} ${problem}`);
    return 1;
  }
  // The network checks run at once; the database after them, because opening PGlite holds the event loop
  // for a while (pooled connections would be found reset).
  const groups = await Promise.all([
    [ok('configuration parses')],
    config.github
      ? checkGitHubApp(config.github)
      : [ok('no GitHub App configured (GITHUB_APP_*): serve starts the sandbox')],
    checkSecrets(config),
    config.oidc ? checkOidcIssuer(config.oidc) : [],
    checkRedis(config),
    checkPublicUrl(config, env),
  ]);
  groups.splice(4, 0, await checkDatabase(config));
  const findings = groups.flat();
  for (const finding of findings) print(`${marks[finding.status]} ${finding.text}`);
  return findings.some((f) => f.status === 'fail') ? 1 : 0;
}
