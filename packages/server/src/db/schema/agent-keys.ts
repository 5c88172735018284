import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { AgentGrant } from '@hubgate/contract';
import { at, createdAt, organizationId } from './columns.js';

/**
 * What a key had in effect before grants existed (every project, contents write, one hour): the migration gives
 * it to existing keys, and the API to a new key that names no grant.
 */
export const defaultAgentGrant: AgentGrant = {
  projects: { all: true },
  permissions: { contents: 'write', metadata: 'read' },
  maxTokenLifetimeSeconds: 3600,
};

/** Per-tenant keys for the token broker: stored as a hash, shown once; the prefix identifies a key in lists. */
export const agentKeys = pgTable(
  'agent_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
    /** which projects, which permissions, how long a hand-out lives (broker/agent-grant.ts) */
    grant: jsonb('grant')
      .$type<AgentGrant>()
      .notNull()
      .default(sql`'{"projects":{"all":true},"permissions":{"contents":"write","metadata":"read"},"maxTokenLifetimeSeconds":3600}'::jsonb`),
    /** the key stops working by itself then (null: until revoked) */
    expiresAt: at('expires_at'),
    /** `key`: a bearer secret an admin handed out; `trust_policy`: the grant of a trust policy (no secret exists) */
    purpose: text('purpose').$type<'key' | 'trust_policy'>().notNull().default('key'),
  },
  (t) => [uniqueIndex('agent_keys_hash').on(t.keyHash), index('agent_keys_org').on(t.organizationId)],
);
