import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sha256 } from '../hash.js';
import { installStates } from '../db/schema/index.js';
import { AppError } from '../errors.js';
import type { Session } from '../identity/sessions.js';

const lifetimeMs = 10 * 60_000;

type Purpose = 'install' | 'oauth';
type StateData = { installationId?: number; returnTo?: string };

/** Single-use states, bound to the tenant and the user who started the flow, valid ten minutes. */
export async function issueState(
  db: Database,
  session: Session,
  purpose: Purpose,
  data: StateData = {},
): Promise<string> {
  const state = randomBytes(24).toString('base64url');
  await db.insert(installStates).values({
    stateHash: sha256(state),
    organizationId: session.organizationId!,
    userId: session.userId,
    purpose,
    data,
    expiresAt: new Date(Date.now() + lifetimeMs),
  });
  return state;
}

/** Consumes a state once; a reused, expired, unknown or foreign state is refused and nothing else happens. */
export async function consumeState(
  db: Database,
  session: Session,
  state: string,
  purpose: Purpose,
): Promise<StateData> {
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(state))
    throw new AppError('invalid_state', 'The state parameter is malformed; start connecting again.');
  const [row] = await db
    .update(installStates)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(installStates.stateHash, sha256(state)),
        eq(installStates.purpose, purpose),
        isNull(installStates.usedAt),
        gt(installStates.expiresAt, new Date()),
      ),
    )
    .returning();
  if (!row)
    throw new AppError(
      'invalid_state',
      'This connection link has expired or was already used; start connecting again.',
    );
  if (row.organizationId !== session.organizationId || row.userId !== session.userId) {
    throw new AppError(
      'invalid_state',
      'This connection link was started by another user or organization; start connecting again.',
    );
  }
  return row.data;
}

/** Whether a state exists for this purpose (unused): lets the callback tell our OAuth leg from GitHub's. */
export async function stateExists(db: Database, state: string, purpose: Purpose): Promise<boolean> {
  const rows = await db
    .select({ h: installStates.stateHash })
    .from(installStates)
    .where(and(eq(installStates.stateHash, sha256(state)), eq(installStates.purpose, purpose)));
  return rows.length > 0;
}
