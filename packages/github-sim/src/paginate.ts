import type { Context } from 'hono';
import { validationFailed } from './errors.js';

/** GitHub's page/per_page pagination with a `Link` header. */
export function paginate<T>(c: Context, items: T[]): T[] {
  const perPage = Number(c.req.query('per_page') ?? 30);
  const page = Number(c.req.query('page') ?? 1);
  if (!Number.isInteger(perPage) || perPage < 1 || !Number.isInteger(page) || page < 1) {
    throw validationFailed('Invalid pagination parameters');
  }
  const size = Math.min(perPage, 100);
  const last = Math.max(1, Math.ceil(items.length / size));
  const url = new URL(c.req.url);
  const link = (n: number, rel: string) => {
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(size));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  if (links.length > 0) c.header('link', links.join(', '));
  return items.slice((page - 1) * size, page * size);
}
