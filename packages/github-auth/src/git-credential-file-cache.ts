import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TokenCipher } from './token-cipher.js';

/** What the helper hands git, as kept between its processes. */
export interface CachedCredential {
  username: string;
  password: string;
  /** epoch milliseconds */
  expiresAt: number;
  /** epoch milliseconds: when the token was minted, when known */
  createdAt?: number;
}

/**
 * The git helper's tier without Redis: one encrypted file per repository (and per configuration) in a private
 * directory of the user, so that the helper processes git starts one after another share a token instead of
 * minting one each. Files are AES-256-GCM sealed with a machine-local key (created 0600 beside them) and bound
 * to their cache key; the directory is 0700 and must belong to the user, else the tier stays off.
 * Directory: `HUBGATE_CACHE_DIR`, else `$XDG_RUNTIME_DIR/hubgate` (a per-user tmpfs), else `~/.cache/hubgate`.
 */
export class FileCredentialCache {
  private constructor(
    private readonly dir: string,
    private readonly cipher: TokenCipher,
  ) {}

  /** The cache, or null (with the reason) when its directory cannot be made private. */
  static open(env: NodeJS.ProcessEnv): { cache: FileCredentialCache | null; problem?: string } {
    const dir =
      env.HUBGATE_CACHE_DIR?.trim() ||
      (env.XDG_RUNTIME_DIR?.trim() ? join(env.XDG_RUNTIME_DIR.trim(), 'hubgate') : join(homedir(), '.cache', 'hubgate'));
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const stat = statSync(dir);
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid())
        return { cache: null, problem: `the token cache directory ${dir} belongs to another user; not using it` };
      if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
      return { cache: new FileCredentialCache(dir, new TokenCipher(machineKey(join(dir, 'key')))) };
    } catch (error) {
      return { cache: null, problem: `the token cache directory ${dir} is not usable: ${(error as Error).message}` };
    }
  }

  private fileOf(cacheKey: string) {
    return join(this.dir, `t-${createHash('sha256').update(cacheKey).digest('hex').slice(0, 40)}`);
  }

  /** The cached credential with at least `minValidityMs` left, else null (an expired file is removed). */
  get(cacheKey: string, now: number, minValidityMs: number): CachedCredential | null {
    let sealed: string;
    try {
      sealed = readFileSync(this.fileOf(cacheKey), 'utf8');
    } catch {
      return null;
    }
    const plain = this.cipher.decrypt(sealed, cacheKey);
    if (!plain) return null;
    const entry = JSON.parse(plain) as CachedCredential;
    if (entry.expiresAt <= now) this.remove(this.fileOf(cacheKey));
    return entry.expiresAt - now >= minValidityMs ? entry : null;
  }

  /** Writes atomically (a private temporary file renamed over the entry): a reader never sees half a file. */
  set(cacheKey: string, credential: CachedCredential, now: number): void {
    const file = this.fileOf(cacheKey);
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, this.cipher.encrypt(JSON.stringify(credential), cacheKey), { mode: 0o600 });
    renameSync(temporary, file);
    this.prune(now);
  }

  /**
   * On a miss, one helper process mints while the others that missed at the same moment wait for its entry
   * (`git submodule update --jobs`, parallel CI steps): a lock file created exclusively, taken over when older
   * than `staleMs` (its holder died). Returns what `mint` returned, or the entry another process wrote.
   */
  async getOrMint(
    cacheKey: string,
    clock: { now(): number },
    minValidityMs: number,
    mint: () => Promise<CachedCredential | null>,
    staleMs = 30_000,
  ): Promise<CachedCredential | null> {
    const lock = `${this.fileOf(cacheKey)}.lock`;
    const deadline = Date.now() + staleMs;
    for (;;) {
      const cached = this.get(cacheKey, clock.now(), minValidityMs);
      if (cached) return cached;
      if (this.tryLock(lock, staleMs)) break;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      const again = this.get(cacheKey, clock.now(), minValidityMs);
      if (again) return again;
      const fresh = await mint();
      if (fresh) this.set(cacheKey, fresh, clock.now());
      return fresh;
    } finally {
      this.remove(lock);
    }
  }

  private tryLock(lock: string, staleMs: number): boolean {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return true; // no lock possible: mint anyway
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) this.remove(lock);
      } catch {
        // Released meanwhile.
      }
      return false;
    }
  }

  /** Drops the entry (git's `erase`), only while it holds that password when one is given. */
  delete(cacheKey: string, password?: string): void {
    if (password !== undefined) {
      const sealed = (() => {
        try {
          return readFileSync(this.fileOf(cacheKey), 'utf8');
        } catch {
          return null;
        }
      })();
      const plain = sealed ? this.cipher.decrypt(sealed, cacheKey) : null;
      if (plain && (JSON.parse(plain) as CachedCredential).password !== password) return;
    }
    this.remove(this.fileOf(cacheKey));
  }

  /** Entries are written for one token lifetime: files untouched for longer than an hour are dead. */
  private prune(now: number) {
    for (const name of readdirSync(this.dir)) {
      if (!name.startsWith('t-')) continue;
      const path = join(this.dir, name);
      try {
        if (now - statSync(path).mtimeMs > 3600_000) unlinkSync(path);
      } catch {
        // Another helper pruned it first.
      }
    }
  }

  private remove(path: string) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
}

/** The machine-local key: 32 random bytes in a 0600 file, created once (the first helper to get there wins). */
function machineKey(path: string): Buffer {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeFileSync(fd, randomBytes(32));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = statSync(path);
  if ((stat.mode & 0o077) !== 0) chmodSync(path, 0o600);
  for (let attempt = 0; ; attempt++) {
    const key = readFileSync(path);
    if (key.length === 32) return key;
    // Another helper created the file a moment ago and is still writing it.
    if (attempt >= 20) throw new Error(`the cache key file ${path} is damaged (expected 32 bytes); delete it`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}
