import type { Context } from 'hono';
import { z } from 'zod';
import { agentPermissionsSchema } from '../../broker/agent-permissions.js';
import { AppError } from '../../errors/app-error.js';
import type { ExchangeRequest } from '../../workload/token-exchange.js';
import { jsonBody } from '../middleware/json-body.js';

export const tokenExchangeGrant = 'urn:ietf:params:oauth:grant-type:token-exchange';
const idTokenTypes = ['urn:ietf:params:oauth:token-type:id_token', 'urn:ietf:params:oauth:token-type:jwt'];

const exchangeBody = z.object({
  grant_type: z.literal(tokenExchangeGrant, `grant_type: must be ${tokenExchangeGrant}`),
  subject_token: z.string().min(1, 'subject_token: the ID token is missing'),
  subject_token_type: z.string().refine((t) => idTokenTypes.includes(t), `subject_token_type: must be ${idTokenTypes.join(' or ')}`).optional(),
  /** the repository: owner/name or its URL */
  resource: z.string().trim().min(1).max(1000).optional(),
  /** space-separated: `repo:OWNER/NAME` (when `resource` is not sent) and `PERMISSION:LEVEL` (contents:read ...) */
  scope: z.string().trim().max(1000).optional(),
  permissions: agentPermissionsSchema.optional(),
  /** hubgate's own: the token must stay valid this long (as for POST /api/v1/tokens) */
  minValidityMs: z.coerce.number().int().min(0).max(55 * 60_000).optional(),
});

/**
 * The RFC 8693 request, as a form (`application/x-www-form-urlencoded`, the RFC's) or as JSON; the repository named
 * by `resource` or by a `repo:` item of `scope`, permissions by `PERMISSION:LEVEL` items of `scope` (or, in JSON,
 * `permissions`).
 */
export async function readExchangeRequest(c: Context): Promise<ExchangeRequest> {
  const form = (c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
  const raw = form ? Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, v]) => typeof v === 'string')) : await jsonBody(c, z.record(z.string(), z.unknown()));
  const parsed = exchangeBody.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new AppError('bad_request', issue.message.includes(':') ? issue.message : `${field || 'body'}: ${issue.message}`, { details: { field } });
  }
  const body = parsed.data;
  const items = (body.scope ?? '').split(/\s+/).filter(Boolean);
  const repository = body.resource ?? items.find((item) => item.startsWith('repo:'))?.slice('repo:'.length);
  if (!repository) throw new AppError('bad_request', 'resource: name the repository (owner/name), or send scope=repo:owner/name', { details: { field: 'resource' } });
  const scoped: Record<string, string> = {};
  for (const item of items) {
    if (item.startsWith('repo:')) continue;
    const [name, level] = item.split(':');
    if (!name || !level) throw new AppError('bad_request', `scope: ${item} is neither repo:OWNER/NAME nor PERMISSION:LEVEL`, { details: { field: 'scope' } });
    scoped[name] = level;
  }
  let permissions = body.permissions;
  if (Object.keys(scoped).length > 0) {
    const checked = agentPermissionsSchema.safeParse(scoped);
    if (!checked.success) throw new AppError('bad_request', `scope: ${checked.error.issues[0]!.message}`, { details: { field: 'scope' } });
    permissions = checked.data;
  }
  return { subjectToken: body.subject_token, repository, permissions, minValidityMs: body.minValidityMs };
}
