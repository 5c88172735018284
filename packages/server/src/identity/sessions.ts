import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sha256 } from '../hash.js';
import { sessions } from '../db/schema/index.js';
import type { Identity } from './identity.js';

export const sessionCookieName = 'hubgate_session';
const sessionLifetimeMs = 8 * 3600_000;

export interface Session extends Identity {
  csrfToken: string;
  /** authenticated by a bearer token rather than a session cookie (no CSRF exposure) */
  viaBearer?: boolean;
}


/** Server-side sessions: the cookie carries a random id; the table keeps only its hash. */
export async function createSession(db: Database, identity: Identity): Promise<{ cookieValue: string; csrfToken: string }> {
  const cookieValue = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await db.insert(sessions).values({
    idHash: sha256(cookieValue),
    userId: identity.userId,
    organizationId: identity.organizationId,
    role: identity.role,
    isAdmin: identity.isAdmin,
    name: identity.name,
    email: identity.email,
    csrfToken,
    expiresAt: new Date(Date.now() + sessionLifetimeMs),
  });
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  return { cookieValue, csrfToken };
}

export async function readSession(db: Database, cookieValue: string | undefined): Promise<Session | null> {
  if (!cookieValue || cookieValue.length > 100) return null;
  const [row] = await db
    .select()
    .from(sessions)
    .where(eq(sessions.idHash, sha256(cookieValue)));
  if (!row || row.expiresAt.getTime() <= Date.now()) return null;
  return {
    userId: row.userId,
    organizationId: row.organizationId,
    role: row.role,
    name: row.name,
    email: row.email,
    isAdmin: row.isAdmin,
    csrfToken: row.csrfToken,
  };
}

export async function deleteSession(db: Database, cookieValue: string | undefined) {
  if (cookieValue) await db.delete(sessions).where(eq(sessions.idHash, sha256(cookieValue)));
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
