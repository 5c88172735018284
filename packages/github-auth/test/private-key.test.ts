import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePrivateKey } from '../src/private-key.js';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs1 = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const sameKey = (pem: string) =>
  parsePrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString() === pkcs1;

describe('private keys in every form people paste them', () => {
  it('reads PKCS#1 as GitHub hands it out, and PKCS#8', () => {
    expect(sameKey(pkcs1)).toBe(true);
    expect(sameKey(pkcs8)).toBe(true);
  });

  it('reads a key whose newlines are literal \\n sequences (an env var)', () => {
    expect(sameKey(pkcs1.replace(/\n/g, '\\n'))).toBe(true);
  });

  it('reads base64 of the whole PEM', () => {
    expect(sameKey(Buffer.from(pkcs1).toString('base64'))).toBe(true);
  });

  it('restores newlines that were lost or turned into spaces', () => {
    expect(sameKey(pkcs1.replace(/\n/g, ' '))).toBe(true);
    expect(sameKey(pkcs1.replace(/\n/g, ''))).toBe(true);
  });

  it('reads a quoted key with Windows line ends', () => {
    expect(sameKey(`"${pkcs1.replace(/\n/g, '\r\n')}"`)).toBe(true);
  });

  it('names a key cut to its first line', () => {
    expect(() => parsePrivateKey('-----BEGIN RSA PRIVATE KEY-----')).toThrow(/only its first line/);
  });

  it('names an OpenSSH key, a public key, a truncated PEM and an empty value', () => {
    expect(() =>
      parsePrivateKey(
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      ),
    ).toThrow(/OpenSSH key/);
    expect(() => parsePrivateKey(publicPem)).toThrow(/public key/);
    expect(() => parsePrivateKey(pkcs1.slice(0, 200))).toThrow(/cut short/);
    expect(() => parsePrivateKey('  ')).toThrow(/empty/);
    expect(() => parsePrivateKey('not a key at all')).toThrow(/neither a PEM/);
  });

  it('names a damaged body', () => {
    const damaged = pkcs1.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    expect(() => parsePrivateKey(damaged)).toThrow(/damaged/);
  });

  it('never puts key material in its messages', () => {
    try {
      parsePrivateKey(pkcs1.slice(0, 300));
    } catch (error) {
      expect((error as Error).message).not.toContain(pkcs1.split('\n')[1]!.slice(0, 20));
    }
  });
});
