import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface Sealed {
  ciphertext: string;
  keyId: string;
}

/**
 * AES-256-GCM for secrets at rest in the database (user grants, tenant app keys, tokens awaiting revocation).
 * Every value is sealed with what it belongs to as associated data (`grant:<org>:<user>:access`), so a ciphertext
 * copied onto another row does not open there. The key id is stored beside it (a column) for rotation.
 */
export class SecretSealer {
  readonly keyId: string;
  private readonly keys: Map<string, Buffer>;

  /** `current` seals; `previous` keys (during a rotation) still open what they sealed. */
  constructor(current: Buffer, previous: Buffer[] = []) {
    if (current.length !== 32) throw new Error('the secret key must be 32 bytes');
    this.keyId = keyIdOf(current);
    this.keys = new Map([[this.keyId, current], ...previous.map((k) => [keyIdOf(k), k] as [string, Buffer])]);
  }

  seal(plain: string, boundTo: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, iv);
    cipher.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return {
      ciphertext: `${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`,
      keyId: this.keyId,
    };
  }

  /** null when the key is unknown, the value was tampered with, or it belongs to something else. */
  open(sealed: Sealed, boundTo: string): string | null {
    const key = this.keys.get(sealed.keyId);
    const [iv, body, tag] = sealed.ciphertext.split('.');
    if (!key || !iv || body === undefined || !tag) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** 32 bytes as 64 hex characters or base64; anything else is refused by the config check. */
export function decodeSecretKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}
