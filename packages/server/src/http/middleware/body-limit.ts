import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../../errors/app-error.js';

/** The largest JSON body of the API (a tenant app's private key is the biggest field, under 8 KB). */
export const maxApiBodyBytes = 64 * 1024;

/**
 * Refuses a body over `maxBytes` with 413 before it is buffered: hono's `bodyLimit` answers at once for a
 * declared Content-Length over the limit, and counts while streaming a chunked one, so nobody can make the
 * service hold a large body in memory on any route, signed in or not.
 */
export const limitBody = (maxBytes: number) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('too_large', `The request body is larger than ${maxBytes / 1024} KB.`);
    },
  });
