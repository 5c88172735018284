import { z } from 'zod';

/** Bytes of a file a tool answers at most (a larger one is cut, and says so). */
export const maxReadBytes = 256 * 1024;
/** Bytes of content a write may carry (base64 at GitHub is a third more). */
export const maxWriteBytes = 1024 * 1024;
export const filesPerPage = 100;

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f]/;

export const repositoryInput = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'repository: owner/name of one of your projects (see list_projects)');

/** A path inside the repository: relative, no `.` or `..` segment, no control characters. */
export const pathInput = z
  .string()
  .max(1000, 'path: at most 1000 characters')
  .refine((path) => !path.startsWith('/') && !path.split('/').some((segment) => segment === '..' || segment === '.'), {
    message: 'path: relative to the repository root, without . or .. segments',
  })
  .refine((path) => !controlCharacters.test(path), { message: 'path: no control characters' });

/** A branch name as git allows it (the subset GitHub accepts in refs). */
export const branchInput = z
  .string()
  .min(1)
  .max(200)
  .refine((name) => /^[A-Za-z0-9._/-]+$/.test(name) && !name.startsWith('/') && !name.endsWith('/') && !name.includes('..') && !name.endsWith('.lock'), {
    message: 'branch: letters, digits and . _ / - only, no .. and not ending in / or .lock',
  });

export const refInput = z.string().min(1).max(200).regex(/^[A-Za-z0-9._/-]+$/, 'ref: a branch, tag or commit');
