import type { Context } from 'hono';
import { SimHttpError } from '../errors.js';

/** Parses a JSON object body; GitHub answers 400 "Problems parsing JSON" otherwise. */
export async function readJsonBody(c: Context, optional = false): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return {};
    throw new SimHttpError(400, 'Problems parsing JSON');
  }
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // fall through to GitHub's answer
  }
  throw new SimHttpError(400, 'Problems parsing JSON');
}
