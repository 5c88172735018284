import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitCredential, runGit } from './git-remote.js';
import type { ProjectKind } from './repo-naming.js';

export interface InitialContentInput {
  productName: string;
  projectName: string;
  kind: ProjectKind;
  remoteUrl: string;
  credential: GitCredential;
  /** `-c` settings that hold git to the outbound rule of a tenant's host (none for the system app) */
  remoteConfig?: string[];
  now: Date;
}

/** The folders the product keeps in each kind of repository (git keeps no empty folder: each gets a `.gitkeep`). */
const foldersOf: Record<ProjectKind, string[]> = {
  project: ['tickets'],
  team: ['tickets'],
  guide: ['pages'],
};

export function readmeFor(input: Pick<InitialContentInput, 'productName' | 'projectName' | 'kind'>): string {
  const what =
    input.kind === 'guide'
      ? `the "${input.projectName}" guide of ${input.productName}: its pages live in \`pages/\`, one Markdown file each.`
      : `the tickets of the ${input.kind} "${input.projectName}" in ${input.productName}: one Markdown file per ticket in \`tickets/\`.`;
  return [
    `# ${input.projectName}`,
    '',
    `This repository was created by ${input.productName} and holds ${what}`,
    '',
    `It holds no code: ${input.productName} reads and writes it through its GitHub App.`,
    '',
    '## Layout',
    '',
    ...foldersOf[input.kind].map((folder) => `- \`${folder}/\``),
    '',
  ].join('\n');
}

/**
 * Is the remote empty? `git ls-remote` with the same credential: a resumed creation pushes only into an empty
 * repository, so content someone already added is never overwritten.
 */
export async function remoteIsEmpty(remoteUrl: string, credential: GitCredential, remoteConfig: string[] = []): Promise<boolean> {
  const home = await mkdtemp(join(tmpdir(), 'hubgate-git-'));
  try {
    const { stdout } = await runGit(['ls-remote', '--heads', remoteUrl], { cwd: home, home, credential, remoteConfig });
    return stdout.trim() === '';
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The README and the folder layout, committed in a fresh repository and pushed to `main` in one push. */
export async function pushInitialContent(input: InitialContentInput): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'hubgate-git-'));
  const work = join(home, 'work');
  try {
    await mkdir(work);
    await writeFile(join(work, 'README.md'), readmeFor(input));
    for (const folder of foldersOf[input.kind]) {
      await mkdir(join(work, folder));
      await writeFile(join(work, folder, '.gitkeep'), '');
    }
    const date = input.now.toISOString();
    const identity = {
      GIT_AUTHOR_NAME: input.productName,
      GIT_AUTHOR_EMAIL: 'noreply@hubgate.invalid',
      GIT_COMMITTER_NAME: input.productName,
      GIT_COMMITTER_EMAIL: 'noreply@hubgate.invalid',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    };
    const git = (args: string[]) => runGit(args, { cwd: work, home, env: identity });
    await git(['init', '--quiet', '--initial-branch=main']);
    await git(['add', '--all']);
    await git(['commit', '--quiet', '--message', `Set up ${input.projectName}`]);
    await runGit(['push', '--quiet', input.remoteUrl, 'HEAD:refs/heads/main'], {
      cwd: work,
      home,
      env: identity,
      credential: input.credential,
      remoteConfig: input.remoteConfig,
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
