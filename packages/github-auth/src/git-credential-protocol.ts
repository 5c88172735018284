/** git's credential-helper attributes (`git help credential`): `key=value` lines ended by a blank line or EOF. */
export interface CredentialAttributes {
  protocol?: string;
  host?: string;
  path?: string;
  username?: string;
  password?: string;
  [key: string]: string | string[] | undefined;
}

export class CredentialProtocolError extends Error {}

export function parseCredentialInput(text: string): CredentialAttributes {
  const attributes: CredentialAttributes = {};
  for (const line of text.split('\n')) {
    if (line === '') break;
    if (line.includes('\0')) throw new CredentialProtocolError('credential input holds a NUL byte');
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new CredentialProtocolError(`credential input line without key=value: "${line.slice(0, 40)}"`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key.endsWith('[]')) {
      const list = (attributes[key] as string[] | undefined) ?? [];
      // An empty value resets a multi-valued attribute, as git does.
      attributes[key] = value === '' ? [] : [...list, value];
    } else {
      attributes[key] = value;
    }
  }
  return attributes;
}

export function formatCredentialOutput(values: Record<string, string | number>): string {
  let out = '';
  for (const [key, value] of Object.entries(values)) {
    const text = String(value);
    if (text.includes('\n') || text.includes('\0'))
      throw new CredentialProtocolError(`credential value for ${key} holds a newline or NUL`);
    out += `${key}=${text}\n`;
  }
  return out;
}
