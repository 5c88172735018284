import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';

const ids = new WeakMap<Request, string>();

/**
 * The request's `x-github-request-id` (shaped like GitHub's, `C0F5:3B2A:1F4E5C:2A3B4D:674A1B2C`), made on first
 * use: the header and the messages that quote it (the secondary limit's) carry the same one.
 */
export function requestIdOf(c: Context): string {
  let id = ids.get(c.req.raw);
  if (!id) {
    const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase();
    id = `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`;
    ids.set(c.req.raw, id);
  }
  return id;
}
