import { restDocs } from './endpoint-docs.js';

/** An error answered in GitHub's shape: `{ message, documentation_url, status }`. */
export class SimHttpError extends Error {
  /** the page of the route that answered (set where the route is known), else GitHub's generic one */
  documentationUrl: string | null = null;

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body() {
    return {
      message: this.message,
      documentation_url: this.documentationUrl ?? restDocs,
      status: String(this.status),
      ...this.extra,
    };
  }
}

export const badCredentials = () => new SimHttpError(401, 'Bad credentials');
export const notFound = () => new SimHttpError(404, 'Not Found');
export const resourceNotAccessible = () => new SimHttpError(403, 'Resource not accessible by integration');
export const validationFailed = (message: string, errors: unknown[] = []) =>
  new SimHttpError(422, message, {}, { errors });
