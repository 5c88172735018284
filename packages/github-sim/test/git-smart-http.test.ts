import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimClock, GitHubSim } from '../src/index.js';
import { basicWorld } from './helpers.js';

const exec = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t',
};
const git = (args: string[], cwd?: string) =>
  exec('git', ['-c', 'credential.helper=', ...args], { cwd, env: gitEnv });

describe('git smart HTTP', () => {
  let sim: GitHubSim;
  let w: Awaited<ReturnType<typeof basicWorld>>;
  let work: string;
  const clock = createSimClock({ manual: true });
  beforeEach(async () => {
    sim = await GitHubSim.start({ clock });
    w = await basicWorld(sim);
    work = mkdtempSync(join(tmpdir(), 'sim-git-'));
  });
  afterEach(async () => {
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  });

  const urlWith = (token: string, repo = 'made-by-app') => {
    const url = new URL(`${sim.webUrl}/octo-org/${repo}.git`);
    url.username = 'x-access-token';
    url.password = token;
    return url.toString();
  };

  it('clones and pushes with an installation token as x-access-token', async () => {
    const token = await w.mint();
    await git(['clone', '--quiet', urlWith(token), join(work, 'clone')]);
    expect(readFileSync(join(work, 'clone', 'README.md'), 'utf8')).toBe('# made-by-app\n');
    writeFileSync(join(work, 'clone', 'tickets.md'), 'TKT-1\n');
    await git(['add', '.'], join(work, 'clone'));
    await git(['commit', '--quiet', '-m', 'add ticket'], join(work, 'clone'));
    await git(['push', '--quiet', 'origin', 'main'], join(work, 'clone'));
    const file = await sim.world.git.readFile(w.inRepo.gitDir, 'main', 'tickets.md');
    expect(file?.content.toString()).toBe('TKT-1\n');
  });

  it("refuses a clone without credentials, with an expired token, and outside the token's scope", async () => {
    await expect(
      git(['clone', '--quiet', `${sim.webUrl}/octo-org/made-by-app.git`, join(work, 'anon')]),
    ).rejects.toThrow(/Authentication failed|could not read Username|terminal prompts disabled/);
    const narrowed = (await w.mint({ repository_ids: [w.inRepo.id] })) as string;
    sim.world.updateSelection(w.installation, 'all', [], w.admin);
    await expect(
      git(['clone', '--quiet', urlWith(narrowed, 'customer-code'), join(work, 'scope')]),
    ).rejects.toThrow(/not found/i);
    const token = await w.mint();
    clock.advance(61 * 60_000);
    await expect(git(['clone', '--quiet', urlWith(token), join(work, 'expired')])).rejects.toThrow(
      /Authentication failed|Invalid username or token/,
    );
  });

  it('refuses a push with a read-only token', async () => {
    const readOnly = await w.mint({ permissions: { contents: 'read' } });
    await git(['clone', '--quiet', urlWith(readOnly), join(work, 'ro')]);
    writeFileSync(join(work, 'ro', 'x.md'), 'x');
    await git(['add', '.'], join(work, 'ro'));
    await git(['commit', '--quiet', '-m', 'x'], join(work, 'ro'));
    await expect(git(['push', '--quiet', 'origin', 'main'], join(work, 'ro'))).rejects.toThrow(/403|denied/);
  });
});
