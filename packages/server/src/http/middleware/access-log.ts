import { createMiddleware } from 'hono/factory';
import type { Logger } from '../../logger.js';

/** One line per request: the path only (query strings carry OAuth codes and states), status and duration. */
export function accessLog(logger: Logger) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    logger.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
}
