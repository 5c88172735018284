import { randomBytes } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

export function nodeIdFor(prefix: string, id: number): string {
  return Buffer.from(`${prefix}:${id}`).toString('base64url');
}

export function createIdSequence(start = 1000): () => number {
  let next = start;
  return () => next++;
}
