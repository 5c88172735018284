import { createHash } from 'node:crypto';

/** How secrets that only need comparing (session ids, connect states) are stored: their SHA-256, base64url. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
