import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';

const run = promisify(execFile);
const ghPath = '/usr/bin/gh';
const haveGh = existsSync(ghPath);
if (!haveGh && process.env.CI) throw new Error('CI must install gh (apt-get install gh) for the GHES client test');

/** Debian's `gh` against the simulator as a GHES host over TLS (a certificate made for this run, trusted by SSL_CERT_FILE). */
describe.skipIf(!haveGh)('the GitHub CLI (Debian gh) against the simulator as a GHES host over TLS', () => {
  let sim: GitHubSim;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let host: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-gh-'));
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    sim = await GitHubSim.start({
      host: 'localhost',
      tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') },
    });
    const ada = sim.addUser('ada');
    sim.addOrg('tisket', { ada: 'admin' });
    await sim.createRepository('tisket', 'tickets', { description: 'the tickets' });
    host = new URL(sim.webUrl).host;
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      GH_HOST: host,
      GH_ENTERPRISE_TOKEN: sim.world.addPersonalAccessToken(ada, ['repo', 'read:org']),
      GH_CONFIG_DIR: join(dir, 'gh'),
      SSL_CERT_FILE: join(dir, 'cert.pem'),
      GH_PROMPT_DISABLED: '1',
      GH_NO_UPDATE_NOTIFIER: '1',
      NO_COLOR: '1',
    };
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // gh runs beside the simulator in this process: an async child, so the server keeps answering.
  const gh = (...args: string[]) => run(ghPath, args, { env, encoding: 'utf8', timeout: 30_000 });

  it('gh auth status: logged in as the token owner, with the scopes the API root reported', async () => {
    const { stdout, stderr } = await gh('auth', 'status', '--hostname', host);
    const said = stdout + stderr;
    expect(said).toContain(`Logged in to ${host} as ada`);
    expect(said).toContain('Token scopes: repo, read:org');
  });

  it('gh api: the REST API under /api/v3', async () => {
    const { stdout } = await gh('api', '/repos/tisket/tickets');
    expect(JSON.parse(stdout)).toMatchObject({ full_name: 'tisket/tickets', description: 'the tickets', private: true });
  });

  it('gh repo view: the repository from GraphQL and its README from REST', async () => {
    const { stdout } = await gh('repo', 'view', 'tisket/tickets');
    expect(stdout).toMatch(/name:\s+tisket\/tickets/);
    expect(stdout).toMatch(/description:\s+the tickets/);
    expect(stdout).toContain('# tickets');
  });
});
