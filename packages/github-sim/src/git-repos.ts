import { execFile } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const authorEnv = (now: number) => ({
  GIT_AUTHOR_NAME: 'github-sim',
  GIT_AUTHOR_EMAIL: 'sim@github.invalid',
  GIT_COMMITTER_NAME: 'github-sim',
  GIT_COMMITTER_EMAIL: 'sim@github.invalid',
  GIT_AUTHOR_DATE: `${Math.floor(now / 1000)} +0000`,
  GIT_COMMITTER_DATE: `${Math.floor(now / 1000)} +0000`,
});

async function git(
  gitDir: string,
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
) {
  const child = exec('git', ['--git-dir', gitDir, ...args], {
    env: { ...process.env, ...options.env },
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (options.input !== undefined) child.child.stdin?.end(options.input);
  const { stdout } = await child;
  return stdout as Buffer;
}

export interface DirectoryEntry {
  type: 'file' | 'dir' | 'submodule';
  sha: string;
  size: number;
  name: string;
  path: string;
}

export type PathContent =
  | { kind: 'file'; sha: string; content: Buffer }
  | { kind: 'dir'; sha: string; entries: DirectoryEntry[] };

export interface FileCommit {
  commitSha: string;
  blobSha: string;
  treeSha: string;
  parentSha: string | null;
  size: number;
}

/** Real bare repositories on disk, for the contents API and git smart HTTP. */
export class GitRepositories {
  constructor(readonly root: string) {}

  dirFor(repoId: number): string {
    return join(this.root, `${repoId}.git`);
  }

  /**
   * A bare repository made by `git init` once per simulator and copied for every further repository: the
   * copy is the same files git would write, without two git processes per repository (a test creating 1,000
   * repositories spent most of its time there).
   */
  private template: Promise<string> | null = null;

  async init(repoId: number): Promise<string> {
    const dir = this.dirFor(repoId);
    this.template ??= this.makeTemplate();
    await cp(await this.template, dir, { recursive: true, errorOnExist: true, force: false });
    return dir;
  }

  private async makeTemplate(): Promise<string> {
    const dir = join(this.root, '.template.git');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // An empty --template: no sample hooks to copy into every repository.
    await exec('git', ['init', '--quiet', '--bare', '--template=', '--initial-branch=main', dir]);
    await git(dir, ['config', 'http.receivepack', 'true']);
    return dir;
  }

  async remove(gitDir: string): Promise<void> {
    await rm(gitDir, { recursive: true, force: true });
  }

  async headSha(gitDir: string, branch: string): Promise<string | null> {
    try {
      return (
        (await git(gitDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).toString().trim() ||
        null
      );
    } catch {
      return null;
    }
  }

  /** The blob of `path` on `branch`, or null when either does not exist. */
  async readFile(
    gitDir: string,
    branch: string,
    path: string,
  ): Promise<{ sha: string; content: Buffer } | null> {
    const head = await this.headSha(gitDir, branch);
    if (!head) return null;
    const line = (await git(gitDir, ['ls-tree', head, '--', path])).toString().trim();
    const match = /^\d+ blob ([0-9a-f]{40})\t/.exec(line);
    if (!match) return null;
    const content = await git(gitDir, ['cat-file', 'blob', match[1]!]);
    return { sha: match[1]!, content };
  }

  /**
   * What `path` is on `ref` (a branch or a commit): a file with its content, a directory with its entries
   * (the root when `path` is empty), or null when either does not exist.
   */
  async readPath(gitDir: string, ref: string, path: string): Promise<PathContent | null> {
    const head = /^[0-9a-f]{40}$/.test(ref) ? ref : await this.headSha(gitDir, ref);
    if (!head) return null;
    const clean = path.replace(/^\/+|\/+$/g, '');
    if (clean !== '') {
      const line = (await git(gitDir, ['ls-tree', head, '--', clean]).catch(() => Buffer.from('')))
        .toString()
        .trim();
      const match = /^\d+ (blob|tree|commit) ([0-9a-f]{40})\t/.exec(line);
      if (!match) return null;
      if (match[1] === 'blob') {
        const content = await git(gitDir, ['cat-file', 'blob', match[2]!]);
        return { kind: 'file', sha: match[2]!, content };
      }
      if (match[1] !== 'tree') return null;
    }
    const listing = (await git(gitDir, ['ls-tree', '-l', clean === '' ? head : `${head}:${clean}`])).toString();
    const entries: DirectoryEntry[] = [];
    for (const row of listing.split('\n')) {
      const entry = /^\d+ (blob|tree|commit) ([0-9a-f]{40})\s+(\S+)\t(.+)$/.exec(row);
      if (!entry) continue;
      const name = entry[4]!;
      entries.push({
        type: entry[1] === 'blob' ? 'file' : entry[1] === 'tree' ? 'dir' : 'submodule',
        sha: entry[2]!,
        size: entry[3] === '-' ? 0 : Number(entry[3]),
        name,
        path: clean === '' ? name : `${clean}/${name}`,
      });
    }
    const tree = clean === '' ? `${head}^{tree}` : `${head}:${clean}`;
    const sha = (await git(gitDir, ['rev-parse', tree])).toString().trim();
    return { kind: 'dir', sha, entries };
  }

  /** Whether `sha` names a commit of the repository. */
  async commitExists(gitDir: string, sha: string): Promise<boolean> {
    try {
      return (await git(gitDir, ['cat-file', '-t', sha])).toString().trim() === 'commit';
    } catch {
      return false;
    }
  }

  /** Creates the branch at `sha` (refused by git if it exists: `update-ref` with an empty old value). */
  async setBranch(gitDir: string, branch: string, sha: string): Promise<void> {
    await git(gitDir, ['update-ref', `refs/heads/${branch}`, sha, '']);
  }

  /** Commits `content` at `path` on `branch` with plumbing commands (no work tree). */
  async writeFile(
    gitDir: string,
    branch: string,
    path: string,
    content: Buffer,
    message: string,
    now: number,
  ): Promise<FileCommit> {
    const parent = await this.headSha(gitDir, branch);
    const indexFile = join(gitDir, `index-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const env = { GIT_INDEX_FILE: indexFile, ...authorEnv(now) };
    try {
      if (parent) await git(gitDir, ['read-tree', parent], { env });
      const blobSha = (await git(gitDir, ['hash-object', '-w', '--stdin'], { input: content }))
        .toString()
        .trim();
      await git(gitDir, ['update-index', '--add', '--cacheinfo', `100644,${blobSha},${path}`], { env });
      const treeSha = (await git(gitDir, ['write-tree'], { env })).toString().trim();
      const commitArgs = ['commit-tree', treeSha, '-m', message, ...(parent ? ['-p', parent] : [])];
      const commitSha = (await git(gitDir, commitArgs, { env })).toString().trim();
      await git(gitDir, ['update-ref', `refs/heads/${branch}`, commitSha, ...(parent ? [parent] : [])]);
      return { commitSha, blobSha, treeSha, parentSha: parent, size: content.length };
    } finally {
      await rm(indexFile, { force: true });
    }
  }
}
