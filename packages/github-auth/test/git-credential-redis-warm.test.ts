import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredentialInput } from '../src/git-credential-protocol.js';
import { helperAppEnv, startWorld } from './helpers.js';
import { buildPlainHelper } from './plain-js-helper.js';
import { redisUrl } from './redis-helpers.js';

describe('the git helper with the fleet tier warm', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let helper: Awaited<ReturnType<typeof buildPlainHelper>>;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [world, helper] = await Promise.all([startWorld(), buildPlainHelper()]);
    work = mkdtempSync(join(tmpdir(), 'hubgate-redis-warm-'));
    env = {
      ...helperAppEnv(world, work),
      REDIS_URL: redisUrl,
      HUBGATE_CACHE_KEY: randomBytes(32).toString('hex'),
      HUBGATE_URL: '',
      HUBGATE_GITHUB_CONFIG: '',
    };
  });
  afterAll(async () => {
    await world.sim.close();
    helper.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  const get = () =>
    new Promise<string>((resolve, reject) => {
      const child = execFile('node', [helper.bin, 'get'], { env }, (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(stdout),
      );
      child.stdin!.end(`protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=tisket-com/developer-guide.git\n\n`);
    });

  it('answers from Redis without loading Octokit (a new process per git operation pays for what it loads)', async () => {
    const first = parseCredentialInput(await get());
    const octokit = helper.filesWith(/node_modules\/@octokit\//);
    expect(octokit.length).toBeGreaterThan(0);
    // What a warm answer needs stays; code only a mint or a lookup at GitHub needs is gone.
    for (const file of octokit) rmSync(file);
    const second = parseCredentialInput(await get());
    expect(second.password).toBe(first.password);
    expect(world.sim.mintCount()).toBe(1);
  });

  it("validates its sources with zod's tree-shakable API: the helper carries none of the classic one", () => {
    expect(helper.filesWith(/node_modules\/zod\/v4\/mini\//).length).toBeGreaterThan(0);
    expect(helper.filesWith(/node_modules\/zod\/v4\/classic\//)).toEqual([]);
  });
});
