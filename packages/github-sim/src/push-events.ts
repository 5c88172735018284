import { execFileSync } from 'node:child_process';

const zeroSha = '0000000000000000000000000000000000000000';

export interface RefUpdate {
  /** `refs/heads/main`, `refs/tags/v1` */
  ref: string;
  before: string;
  after: string;
}

export interface PushedCommit {
  id: string;
  treeId: string;
  message: string;
  timestamp: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
  added: string[];
  removed: string[];
  modified: string[];
}

export { zeroSha };

/** Every branch and tag of a bare repository and the commit it points at. */
export function readRefs(gitDir: string): Map<string, string> {
  const out = execFileSync('git', ['--git-dir', gitDir, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'], {
    encoding: 'utf8',
  });
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

/**
 * What a push changed, from the refs before and after it. Comparing refs (rather than parsing the pack's
 * commands) counts only updates `receive-pack` really applied, as GitHub sends events only for those.
 */
export function refUpdates(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const [ref, sha] of after) {
    const old = before.get(ref) ?? zeroSha;
    if (old !== sha) updates.push({ ref, before: old, after: sha });
  }
  for (const [ref, sha] of before) if (!after.has(ref)) updates.push({ ref, before: sha, after: zeroSha });
  return updates;
}

/** Whether `after` descends from `before` (a push that is not forced). */
export function isFastForward(gitDir: string, before: string, after: string): boolean {
  try {
    execFileSync('git', ['--git-dir', gitDir, 'merge-base', '--is-ancestor', before, after], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The commits a push brought, oldest first, at most 2048 (GitHub's cap on a push payload's `commits`). */
export function commitsOf(gitDir: string, update: RefUpdate): PushedCommit[] {
  if (update.after === zeroSha) return [];
  // A new branch lists the commits no other ref had (its own ref, already moved, excluded); an update, those since `before`.
  const range =
    update.before === zeroSha
      ? [update.after, '--not', `--exclude=${update.ref}`, '--branches', `--exclude=${update.ref}`, '--tags']
      : [`${update.before}..${update.after}`];
  const args = ['--git-dir', gitDir, 'rev-list', '--reverse', '--max-count=2048', ...range];
  const ids = execFileSync('git', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  return ids.map((id) => commitOf(gitDir, id));
}

function commitOf(gitDir: string, id: string): PushedCommit {
  const [treeId = '', authorName = '', authorEmail = '', committerName = '', committerEmail = '', timestamp = '', ...message] = execFileSync(
    'git',
    ['--git-dir', gitDir, 'show', '-s', '--format=%T%n%an%n%ae%n%cn%n%ce%n%cI%n%B', id],
    { encoding: 'utf8' },
  ).split('\n');
  const changes = execFileSync('git', ['--git-dir', gitDir, 'diff-tree', '-r', '--no-commit-id', '--name-status', '--root', id], {
    encoding: 'utf8',
  });
  const files = { added: [] as string[], removed: [] as string[], modified: [] as string[] };
  for (const line of changes.split('\n')) {
    const [status, path] = line.split('\t');
    if (!path) continue;
    if (status === 'A') files.added.push(path);
    else if (status === 'D') files.removed.push(path);
    else files.modified.push(path);
  }
  return {
    id,
    treeId,
    message: message.join('\n').trimEnd(),
    timestamp,
    author: { name: authorName, email: authorEmail },
    committer: { name: committerName, email: committerEmail },
    ...files,
  };
}
