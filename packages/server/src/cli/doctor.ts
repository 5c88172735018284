import { createAppCredentials } from '@hubgate/github-auth';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';

/** `hubgate doctor`: one line per check, exit code 1 when any fails. Secrets are never printed. */
export async function runDoctor(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void = console.log,
): Promise<number> {
  let failures = 0;
  const ok = (what: string) => print(`ok    ${what}`);
  const bad = (what: string) => {
    failures++;
    print(`FAIL  ${what}`);
  };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
    ok('configuration');
  } catch (error) {
    bad(error instanceof ConfigError ? error.message : String(error));
    return 1;
  }
  if (!config.github) {
    ok('no GitHub App configured: serve starts the sandbox');
  } else {
    const github = config.github;
    try {
      const app = createAppCredentials({
        appId: github.appId,
        clientId: github.clientId,
        privateKey: github.privateKey,
        privateKeyPath: github.privateKeyPath,
        apiUrl: github.apiUrl,
      });
      ok('private key parses');
      const response = await fetch(`${github.apiUrl}/app`, {
        headers: { authorization: `Bearer ${await app.jwt.get()}`, accept: 'application/vnd.github+json' },
        signal: AbortSignal.timeout(10_000),
      });
      const date = Date.parse(response.headers.get('date') ?? '');
      if (!Number.isNaN(date)) {
        const skew = Math.round((date - Date.now()) / 1000);
        if (Math.abs(skew) > 30)
          bad(`clock skew with GitHub is ${skew} s (hubgate corrects it, but fix NTP on this machine)`);
        else ok(`clock skew with GitHub: ${skew} s`);
      }
      const body = (await response.json().catch(() => ({}))) as { slug?: string; message?: string };
      if (response.ok && body.slug) {
        if (body.slug !== github.slug)
          bad(`the key belongs to app "${body.slug}", but GITHUB_APP_SLUG is "${github.slug}"`);
        else ok(`app id, client id and key belong to app "${body.slug}"`);
      } else {
        bad(
          `GitHub refused the app's JWT: ${body.message ?? response.status}${/decoded/.test(body.message ?? '') ? ' (the id and the key belong to different apps)' : ''}`,
        );
      }
    } catch (error) {
      bad(`GitHub App: ${(error as Error).message}`);
    }
    if (github.webhookSecrets[0] && github.webhookSecrets[0].length < 16)
      bad('GITHUB_APP_WEBHOOK_SECRET is shorter than 16 characters');
    else ok('webhook secret set');
  }
  try {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
    await db.db.execute(sql`select 1`);
    await db.close();
    ok(`database (${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}) reachable`);
  } catch (error) {
    bad(`database: ${(error as Error).message}`);
  }
  return failures === 0 ? 0 : 1;
}
