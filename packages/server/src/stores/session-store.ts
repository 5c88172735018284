import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.js';
import { sessions } from '../db/schema/index.js';
import { sha256 } from '../sealing/sha256.js';
import type { Identity } from '../identity/identity.js';
import type { UserPrincipal } from '../identity/principal.js';

export const sessionCookieName = 'hubgate_session';
const sessionLifetimeMs = 8 * 3600_000;

/**
 * Server-side sessions: the cookie carries a random id; the table keeps only its hash. Reads are cached in the
 * process for a few seconds (a signed-in page makes several API calls at once); a sign-out here drops the entry at
 * once, another replica forgets it within `cacheTtlMs`, and a cached session is still checked against its expiry.
 */
export class SessionStore {
  private readonly cache: LRUCache<string, UserPrincipal & { expiresAt: number }>;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
    options: { cacheTtlMs?: number; cacheSize?: number } = {},
  ) {
    this.cache = new LRUCache({ max: options.cacheSize ?? 10_000, ttl: options.cacheTtlMs ?? 5_000, ttlAutopurge: false });
  }

  async create(identity: Identity): Promise<{ cookieValue: string; csrfToken: string }> {
    const cookieValue = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    await this.db.insert(sessions).values({
      idHash: sha256(cookieValue),
      userId: identity.userId,
      organizationId: identity.organizationId,
      organizationName: identity.organizationName,
      role: identity.role,
      isAdmin: identity.isAdmin,
      name: identity.name,
      email: identity.email,
      csrfToken,
      expiresAt: new Date(now.getTime() + sessionLifetimeMs),
    });
    await this.db.delete(sessions).where(lt(sessions.expiresAt, now));
    return { cookieValue, csrfToken };
  }

  async read(cookieValue: string | undefined): Promise<UserPrincipal | null> {
    if (!cookieValue || cookieValue.length > 100) return null;
    const idHash = sha256(cookieValue);
    const cached = this.cache.get(idHash);
    if (cached) {
      if (cached.expiresAt > this.now().getTime()) return cached;
      this.cache.delete(idHash);
      return null;
    }
    const [row] = await this.db.select().from(sessions).where(eq(sessions.idHash, idHash));
    if (!row || row.expiresAt.getTime() <= this.now().getTime()) return null;
    const principal: UserPrincipal = {
      kind: 'user',
      via: 'session',
      userId: row.userId,
      organizationId: row.organizationId,
      organizationName: row.organizationName,
      role: row.role,
      name: row.name,
      email: row.email,
      isAdmin: row.isAdmin,
      csrfToken: row.csrfToken,
      sessionHash: idHash,
    };
    this.cache.set(idHash, { ...principal, expiresAt: row.expiresAt.getTime() });
    return principal;
  }

  async delete(cookieValue: string | undefined) {
    if (!cookieValue) return;
    this.cache.delete(sha256(cookieValue));
    await this.db.delete(sessions).where(eq(sessions.idHash, sha256(cookieValue)));
  }
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
