import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCredentialInput } from './git-credential-protocol.js';

/**
 * The git helper's local answer cache. git starts the helper for every fetch and push; loading the token
 * machinery (Octokit, ioredis, zod, yaml) and looking the repository's installation up costs several times a
 * bare `node` start, so an answer with enough validity left is kept on disk, encrypted, and given back with
 * nothing but `node:fs` and `node:crypto` loaded.
 *
 * An entry is named and encrypted (AES-256-GCM, its name as associated data) with a key derived from every
 * setting that decides the answer (`GITHUB_*` and `HUBGATE_*`, and the contents of the key file and the
 * sources file they name), so a changed setting misses, and only a holder of the app's key (or the agent key)
 * can read an entry. Without such a secret in the settings nothing is cached. `HUBGATE_GIT_CACHE=off` turns
 * the cache off; `HUBGATE_GIT_CACHE_DIR` moves it (default `$XDG_CACHE_HOME/hubgate/git-credentials`).
 */
export interface AnswerSlot {
  file: string;
  name: string;
  key: Buffer;
  minValidityMs: number;
}

const settingName = /^(GITHUB_|HUBGATE_)/;

function readOrNull(path: string | undefined): string | null {
  if (!path) return '';
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Where the answer to this request is kept, or null when it must not be cached. */
export function answerSlot(stdin: string, env: NodeJS.ProcessEnv): AnswerSlot | null {
  if (env.HUBGATE_GIT_CACHE === 'off') return null;
  const holdsSecret = Boolean(
    env.GITHUB_APP_PRIVATE_KEY ||
      env.GITHUB_APP_PRIVATE_KEY_PATH ||
      env.HUBGATE_AGENT_KEY ||
      env.HUBGATE_CACHE_KEY,
  );
  if (!holdsSecret) return null;
  const validitySeconds = Number(env.HUBGATE_GIT_MIN_VALIDITY_SECONDS ?? 900);
  if (!Number.isFinite(validitySeconds) || validitySeconds < 0 || validitySeconds > 3300) return null;
  let attributes: ReturnType<typeof parseCredentialInput>;
  try {
    attributes = parseCredentialInput(stdin);
  } catch {
    return null;
  }
  if (!attributes.host) return null;
  const keyFile = readOrNull(env.GITHUB_APP_PRIVATE_KEY_PATH);
  const sourcesFile = readOrNull(env.HUBGATE_GITHUB_CONFIG);
  // An unreadable file is the slow path's to report.
  if (keyFile === null || sourcesFile === null) return null;
  const settings = Object.keys(env)
    .filter((name) => settingName.test(name) && name !== 'HUBGATE_GIT_CACHE_DIR')
    .sort()
    .map((name) => `${name}=${env[name]}`);
  const material = [...settings, keyFile, sourcesFile].join('\0');
  const request = [attributes.protocol ?? 'https', attributes.host, attributes.path ?? ''].join('\0');
  const name = createHash('sha256').update(`name\0${material}\0${request}`).digest('hex');
  const dir =
    env.HUBGATE_GIT_CACHE_DIR ||
    join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hubgate', 'git-credentials');
  return {
    file: join(dir, name),
    name,
    key: createHash('sha256').update(`hubgate git answer cache v1\0${material}`).digest(),
    minValidityMs: validitySeconds * 1000,
  };
}

/** The cached answer (git's stdout) when it still has the asked validity, else null. */
export function readAnswer(slot: AnswerSlot, now = Date.now()): string | null {
  let sealed: Buffer;
  try {
    sealed = readFileSync(slot.file);
  } catch {
    return null;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', slot.key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(slot.name));
    decipher.setAuthTag(sealed.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    const entry = JSON.parse(plain) as { expiresAt: number; stdout: string };
    if (entry.expiresAt - now >= slot.minValidityMs) return entry.stdout;
  } catch {
    // tampered with, or from another version: treated as absent
  }
  forgetAnswer(slot);
  return null;
}

/** Keeps git's answer until it has less than the asked validity left (git tells its expiry). */
export function rememberAnswer(slot: AnswerSlot, stdout: string): void {
  const expiry = /^password_expiry_utc=(\d+)$/m.exec(stdout);
  if (!expiry || !/^password=/m.test(stdout)) return;
  const plain = JSON.stringify({ expiresAt: Number(expiry[1]) * 1000, stdout });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', slot.key, iv);
  cipher.setAAD(Buffer.from(slot.name));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const dir = join(slot.file, '..');
  const temporary = `${slot.file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, Buffer.concat([iv, cipher.getAuthTag(), body]), { mode: 0o600 });
    renameSync(temporary, slot.file);
  } catch {
    // A cache that cannot be written only costs speed.
    rmSync(temporary, { force: true });
  }
}

export function forgetAnswer(slot: AnswerSlot): void {
  rmSync(slot.file, { force: true });
}
