import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../../errors/app-error.js';

/** The request's JSON body checked against a schema; an empty body is `{}`. Problems are named by field. */
export async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const raw = await c.req.text();
  let value: unknown = {};
  if (raw.trim() !== '') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new AppError('bad_request', 'The request body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), {
      details: first?.path.length ? { field: first.path.join('.') } : {},
    });
  }
  return parsed.data;
}
