import { randomBytes } from 'node:crypto';
import { sha256 } from '../sealing/sha256.js';

/** Every agent key starts so: recognisable in a leak scan, and masked by the logger. */
export const agentKeyPrefix = 'hgk_';
/** `hgk_` and 43 base64url characters: 256 random bits. */
const agentKeyPattern = /^hgk_[A-Za-z0-9_-]{43}$/;
/** what lists show of a key: enough to tell keys apart, far too little to guess the rest */
const shownLength = agentKeyPrefix.length + 8;

export interface NewAgentKeySecret {
  key: string;
  prefix: string;
  hash: string;
}

/** A new key: shown once to the admin, stored only as its SHA-256 and its first characters. */
export function newAgentKeySecret(): NewAgentKeySecret {
  const key = agentKeyPrefix + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, shownLength), hash: sha256(key) };
}

/** The hash to look a presented key up by, or null when it cannot be one of ours (no query for garbage). */
export function agentKeyHash(presented: string): string | null {
  return agentKeyPattern.test(presented) ? sha256(presented) : null;
}
