import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** A clone by real git, the token handed over by a credential helper reading the environment (never the URL). */
export async function cloneWith(remoteUrl: string, token: string): Promise<{ ok: true; dir: string; files: string[] } | { ok: false; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgate-clone-'));
  try {
    await run(
      'git',
      ['-c', 'credential.helper=', '-c', 'credential.helper=!f() { echo username=x-access-token; echo "password=$CLONE_TOKEN"; }; f', 'clone', '--quiet', remoteUrl, join(dir, 'r')],
      { env: { PATH: process.env.PATH!, HOME: dir, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', CLONE_TOKEN: token } },
    );
    const files = await listFiles(join(dir, 'r'));
    return { ok: true, dir: join(dir, 'r'), files };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { ok: false, stderr: String((error as { stderr?: string }).stderr) };
  }
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out.sort();
}
