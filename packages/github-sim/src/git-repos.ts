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

export interface CommitInfo {
  sha: string;
  treeSha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authoredAt: number;
  committerName: string;
  committerEmail: string;
  committedAt: number;
  message: string;
}

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

  /** The refs under `prefix` (`refs/heads/`, `refs/tags/`, `refs/heads/feat`), sorted by name, with their objects. */
  async listRefs(gitDir: string, prefix: string): Promise<{ ref: string; sha: string; type: string }[]> {
    const out = (
      await git(gitDir, ['for-each-ref', '--sort=refname', '--format=%(refname) %(objectname) %(objecttype)'])
    ).toString();
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref, sha, type] = line.split(' ') as [string, string, string];
        return { ref, sha, type };
      })
      .filter(({ ref }) => ref.startsWith(prefix));
  }

  /** Up to `limit` commits reachable from `ref` (a branch, tag or sha), newest first; null when `ref` is unknown. */
  async listCommits(gitDir: string, ref: string, limit: number, path?: string): Promise<CommitInfo[] | null> {
    let tip: string;
    try {
      tip = (await git(gitDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).toString().trim();
    } catch {
      return null;
    }
    if (!tip) return null;
    const format = ['%H', '%T', '%P', '%an', '%ae', '%at', '%cn', '%ce', '%ct', '%B'].join('%x1f') + '%x1e';
    const args = ['log', `--format=${format}`, `--max-count=${limit}`, tip, ...(path ? ['--', path] : [])];
    const out = (await git(gitDir, args)).toString('utf8');
    return out
      .split('\x1e')
      .map((record) => record.replace(/^\n/, ''))
      .filter(Boolean)
      .map((record) => {
        const [sha, treeSha, parents, an, ae, at, cn, ce, ct, message] = record.split('\x1f') as string[];
        return {
          sha: sha!,
          treeSha: treeSha!,
          parents: parents ? parents.split(' ') : [],
          authorName: an!,
          authorEmail: ae!,
          authoredAt: Number(at) * 1000,
          committerName: cn!,
          committerEmail: ce!,
          committedAt: Number(ct) * 1000,
          message: (message ?? '').replace(/\n+$/, ''),
        };
      });
  }

  /** Removes `path` from `branch` in a new commit; the commit's sha and tree, or null when the file is absent. */
  async deleteFile(
    gitDir: string,
    branch: string,
    path: string,
    message: string,
    now: number,
  ): Promise<{ commitSha: string; treeSha: string; parentSha: string } | null> {
    const parent = await this.headSha(gitDir, branch);
    if (!parent || !(await this.readFile(gitDir, branch, path))) return null;
    const indexFile = join(gitDir, `index-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const env = { GIT_INDEX_FILE: indexFile, ...authorEnv(now) };
    try {
      await git(gitDir, ['read-tree', parent], { env });
      // Mode 0 in --index-info removes the entry (--force-remove needs a work tree, which a bare repository lacks).
      await git(gitDir, ['update-index', '--index-info'], { env, input: `0 ${'0'.repeat(40)}\t${path}\n` });
      const treeSha = (await git(gitDir, ['write-tree'], { env })).toString().trim();
      const commitSha = (await git(gitDir, ['commit-tree', treeSha, '-m', message, '-p', parent], { env }))
        .toString()
        .trim();
      await git(gitDir, ['update-ref', `refs/heads/${branch}`, commitSha, parent]);
      return { commitSha, treeSha, parentSha: parent };
    } finally {
      await rm(indexFile, { force: true });
    }
  }

  /**
   * Merges `head` into `base` with a merge commit, as GitHub's merge button does (`git merge-tree --write-tree`,
   * no work tree). Null when the two conflict; the base branch moves only if it is still where it was.
   */
  async mergeBranches(
    gitDir: string,
    base: string,
    head: string,
    message: string,
    now: number,
  ): Promise<{ commitSha: string; before: string } | null> {
    const [baseSha, headSha] = await Promise.all([this.headSha(gitDir, base), this.headSha(gitDir, head)]);
    if (!baseSha || !headSha) return null;
    let treeSha: string;
    try {
      treeSha = (await git(gitDir, ['merge-tree', '--write-tree', baseSha, headSha])).toString().split('\n')[0]!.trim();
    } catch {
      return null; // exit status 1: conflicts
    }
    const env = authorEnv(now);
    const commitSha = (
      await git(gitDir, ['commit-tree', treeSha, '-m', message, '-p', baseSha, '-p', headSha], { env })
    )
      .toString()
      .trim();
    await git(gitDir, ['update-ref', `refs/heads/${base}`, commitSha, baseSha]);
    return { commitSha, before: baseSha };
  }
}
