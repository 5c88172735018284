import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { GitHubAuthError } from './errors.js';

/**
 * AES-256-GCM for tokens at rest in shared caches; the key id travels with the ciphertext for rotation. The
 * associated data binds a sealed value to where it belongs (the cache key): copied elsewhere, it does not open.
 */
export class TokenCipher {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(secret: string | Buffer) {
    const key = typeof secret === 'string' ? decodeKey(secret) : secret;
    if (key.length !== 32)
      throw new GitHubAuthError(
        'invalid_config',
        'the cache encryption key must be 32 bytes (64 hex characters or 44 base64 characters)',
      );
    this.key = key;
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  encrypt(plain: string, associatedData = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${this.keyId}.${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  /** null when the value was written with another key, for other associated data, or tampered with: a miss. */
  decrypt(sealed: string, associatedData = ''): string | null {
    const [keyId, iv, body, tag] = sealed.split('.');
    if (keyId !== this.keyId || !iv || body === undefined || !tag) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      // Nothing is returned unless final() authenticates the whole body.
      return decipher.update(body, 'base64url', 'utf8') + decipher.final('utf8');
    } catch {
      return null;
    }
  }
}

function decodeKey(secret: string): Buffer {
  const trimmed = secret.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  return Buffer.from(trimmed, 'base64');
}
