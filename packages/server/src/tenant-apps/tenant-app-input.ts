import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { tenantAppInputSchema } from '@hubgate/contract';

const url = z.string().url().max(300).transform((v) => v.replace(/\/+$/, ''));

/** A tenant's own app as an admin types it on the settings page: the contract's schema. */
export const tenantAppInput = tenantAppInputSchema;

/** Concord's secret format, accepted as an import: `{"githubAppInstallation": {apiUrl, clientId, privateKey, ...}}`. */
const concordImport = z.object({
  githubAppInstallation: z
    .object({
      apiUrl: url,
      clientId: z.string().optional(),
      appId: z.union([z.number(), z.string()]).optional(),
      privateKey: z.string(),
      username: z.string().optional(),
      urlPattern: z.string().optional(),
    })
    .passthrough(),
});

export type TenantAppInput = z.output<typeof tenantAppInput>;

export function parseTenantAppInput(body: unknown): TenantAppInput {
  const candidate = (() => {
    const b = body as { import?: unknown; webhookSecret?: unknown; clientSecret?: unknown; slug?: unknown };
    if (!b || typeof b !== 'object' || !('import' in b)) return body;
    const raw = typeof b.import === 'string' ? safeJson(b.import) : b.import;
    const parsed = concordImport.safeParse(raw);
    if (!parsed.success) throw new AppError('bad_request', 'import: not Concord\'s {"githubAppInstallation": {...}} format.', { details: { field: 'import' } });
    const c = parsed.data.githubAppInstallation;
    return {
      apiUrl: c.apiUrl,
      clientId: c.clientId,
      appId: c.appId,
      privateKey: c.privateKey,
      urlPattern: c.urlPattern,
      webhookSecret: b.webhookSecret,
      clientSecret: b.clientSecret,
      slug: b.slug,
    };
  })();
  const parsed = tenantAppInput.safeParse(candidate);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), {
      details: first?.path.length ? { field: String(first.path[0]) } : {},
    });
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
