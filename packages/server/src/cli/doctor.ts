import { ConfigError, loadConfig, type ServerConfig, withConfigFile } from '../config.js';
import { type Finding, fail, ok, warn } from './doctor/finding.js';
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
  let loaded: { config: ServerConfig; problems: string[]; setAside: Set<string> };
  try {
    loaded = loadWhatCanBeChecked(withConfigFile(env));
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
    for (const problem of problems) print(`${marks.fail} ${problem}`);
    return 1;
  }
  const { config, problems, setAside } = loaded;
  const githubSetAside = [...setAside].some((key) => key.startsWith('GITHUB_'));
  // The network checks run at once; the database after them, because opening PGlite holds the event loop
  // for a while (pooled connections would be found reset).
  const groups = await Promise.all([
    problems.length === 0
      ? [ok('configuration parses')]
      : [...problems.map((problem) => fail(problem)), warn(`not checked, because of the problems above: ${[...setAside].sort().join(', ')}`)],
    config.github
      ? checkGitHubApp(config.github)
      : githubSetAside
        ? []
        : [ok('no GitHub App configured (GITHUB_APP_*): serve starts the sandbox')],
    checkSecrets(config),
    config.oidc ? checkOidcIssuer(config.oidc) : [],
    checkRedis(config),
    githubSetAside ? [] : checkPublicUrl(config),
  ]);
  groups.splice(4, 0, await checkDatabase(config));
  const findings = groups.flat();
  for (const finding of findings) print(`${marks[finding.status]} ${finding.text}`);
  return findings.some((f) => f.status === 'fail') ? 1 : 0;
}

/** Settings checked as one group: a problem with one of them sets the whole group aside. */
const groupOf = (key: string): RegExp =>
  key.startsWith('GITHUB_') ? /^GITHUB_/ : key.startsWith('OIDC_') ? /^OIDC_/ : key === 'REDIS_URL' || key === 'HUBGATE_CACHE_KEY' ? /^(REDIS_URL|HUBGATE_CACHE_KEY)$/ : new RegExp(`^${key}$`);

/**
 * The configuration with the settings at fault set aside (their whole group: the GitHub App's, the OpenID
 * provider's, Redis and its key), so that doctor reports every problem and still checks everything else.
 */
function loadWhatCanBeChecked(merged: NodeJS.ProcessEnv): { config: ServerConfig; problems: string[]; setAside: Set<string> } {
  const env: NodeJS.ProcessEnv = { ...merged, HUBGATE_CONFIG_FILE: undefined };
  const problems: string[] = [];
  const setAside = new Set<string>();
  for (let round = 0; ; round++) {
    try {
      // Once settings are set aside, what they would have required of each other is no new problem.
      return { config: loadConfig(env, { requireSignIn: round === 0 }), problems, setAside };
    } catch (error) {
      if (!(error instanceof ConfigError) || round === 4) throw error;
      const before = setAside.size;
      for (const problem of error.problems) {
        if (!problems.includes(problem)) problems.push(problem);
        const key = /^([A-Z][A-Z0-9_]*)\b/.exec(problem)?.[1];
        if (!key) continue;
        const group = groupOf(key);
        setAside.add(key);
        for (const name of Object.keys(env)) if (group.test(name)) {
          setAside.add(name);
          delete env[name];
        }
      }
      if (setAside.size === before) throw new ConfigError(problems);
    }
  }
}
