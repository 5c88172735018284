import { AppError } from '../errors/app-error.js';

import { type ProjectKind } from '@hubgate/contract';
export { projectKinds, type ProjectKind } from '@hubgate/contract';

/** The repository name of each kind of project, `{slug}` replaced (seed TKT-033: `developer-guide`, `engineering.tickets`). */
export type RepoNamePatterns = Record<ProjectKind, string>;
export const defaultRepoNamePatterns: RepoNamePatterns = { project: '{slug}.tickets', team: '{slug}.tickets', guide: '{slug}' };

/** GitHub's repository names: letters, digits, `.`, `-`, `_`, at most 100 characters, not `.` or `..`. */
const githubRepoName = /^[A-Za-z0-9._-]{1,100}$/;

/** "Developer guide" -> `developer-guide`: lower case, runs of anything else one `-`, no `-` or `.` at the ends. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/** Checks a configured pattern once, at start: it must hold `{slug}` and give a valid GitHub name. */
export function checkPatterns(patterns: RepoNamePatterns): RepoNamePatterns {
  for (const [kind, pattern] of Object.entries(patterns)) {
    if (!pattern.includes('{slug}')) throw new Error(`repository name pattern for ${kind}s must contain {slug}: "${pattern}"`);
    if (!githubRepoName.test(pattern.replaceAll('{slug}', 'x')))
      throw new Error(`repository name pattern for ${kind}s gives names GitHub refuses: "${pattern}"`);
  }
  return patterns;
}

export function repoNameFor(slug: string, kind: ProjectKind, patterns: RepoNamePatterns): string {
  const name = patterns[kind].replaceAll('{slug}', slug);
  if (!githubRepoName.test(name) || name === '.' || name === '..')
    throw new AppError('bad_request', `The project name gives the repository name "${name}", which GitHub does not accept.`, {
      details: { field: 'name' },
    });
  return name;
}

/** The project name to offer when the repository name is taken: the same name with the next free number. */
export async function suggestName(name: string, taken: (candidate: string) => Promise<boolean>, tries = 5): Promise<string | null> {
  const base = name.trim().replace(/\s+\d+$/, '');
  for (let n = 2; n < 2 + tries; n++) {
    const candidate = `${base} ${n}`;
    if (!(await taken(candidate))) return candidate;
  }
  return null;
}
