import { createPrivateKey, type KeyObject } from 'node:crypto';
import { GitHubAuthError } from './errors.js';

const pemBlock = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/;

function fail(message: string): never {
  throw new GitHubAuthError('invalid_private_key', message);
}

/**
 * Turns whatever people paste as a GitHub App private key into a KeyObject: PKCS#1 (as GitHub hands it out)
 * or PKCS#8 PEM, with literal `\n` sequences (env vars), with the newlines lost, or base64 of the whole PEM.
 * What cannot be recovered is named precisely: a PEM cut to its first line, an OpenSSH key, a public key.
 */
export function parsePrivateKey(input: string | Buffer): KeyObject {
  let text = (typeof input === 'string' ? input : input.toString('utf8')).trim();
  if (text === '') fail('the private key is empty');
  if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  text = text.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n/g, '\n');

  if (!text.includes('-----BEGIN')) {
    const decoded = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) text = decoded.trim();
    else fail('the private key is neither a PEM ("-----BEGIN RSA PRIVATE KEY-----...") nor base64 of one');
  }
  if (/^-----BEGIN [A-Z ]+-----\s*$/.test(text)) {
    fail(
      'the private key holds only its first line ("-----BEGIN ... KEY-----"): a .env parser or shell probably cut it at the first newline; quote it, or pass it as base64 or as a file path',
    );
  }
  const block = pemBlock.exec(text);
  if (!block) fail('the private key PEM has no matching "-----END ...-----" line: it was cut short');
  const label = block[1]!;
  if (label === 'OPENSSH PRIVATE KEY')
    fail(
      'this is an OpenSSH key, not a GitHub App key: download the .pem from the app\'s settings ("Generate a private key")',
    );
  if (label.includes('PUBLIC KEY'))
    fail(
      "this is a public key: GitHub Apps sign with the private key (.pem) downloaded from the app's settings",
    );
  if (label.includes('ENCRYPTED'))
    fail(
      'the private key is encrypted with a passphrase: GitHub App keys are not, decrypt it first (openssl pkey -in key.pem -out plain.pem)',
    );
  if (label !== 'RSA PRIVATE KEY' && label !== 'PRIVATE KEY')
    fail(`unsupported key type "${label}": GitHub App keys are RSA`);
  // Rebuild the PEM so that keys whose newlines were lost or replaced by spaces still parse.
  const body = block[2]!.replace(/\s+/g, '');
  const lines = body.match(/.{1,64}/g) ?? [];
  const pem = `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new GitHubAuthError(
      'invalid_private_key',
      'the private key PEM is damaged: its base64 body does not decode to a key',
      { cause },
    );
  }
  if (key.asymmetricKeyType !== 'rsa')
    fail(`the private key is ${key.asymmetricKeyType}, GitHub Apps use RSA keys`);
  return key;
}
