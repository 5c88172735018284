import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SimContext } from './context.js';
import { badCredentials, SimHttpError } from './errors.js';
import type { FaultRule } from './faults.js';
import {
  anonymousCaller,
  assertNotSuspended,
  credentialHeaders,
  credentialOf,
  type Principal,
  type PrincipalKind,
  rateBucket,
  resolvePrincipal,
} from './principal.js';
import { endpointDocs } from './endpoint-docs.js';
import { noteRoute } from './exchange-log.js';
import {
  contentCreationLimitMessage,
  rateLimitDocs,
  SecondaryLimitError,
  secondaryLimitMessage,
} from './rate-limits.js';
import { requestIdOf } from './request-id.js';

type Handler<K extends PrincipalKind> = (
  c: Context,
  principal: Extract<Principal, { kind: K }>,
) => Response | Promise<Response>;
type Bucket = ReturnType<typeof rateBucket>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const wrongCredentialMessage: Record<string, string> = {
  installation: 'Resource not accessible by integration',
  user: 'Resource not accessible by integration',
  pat: 'Resource not accessible by personal access token',
};

/** Routes that create content, for the secondary limit on content creation. */
const contentCreating = new Set([
  'POST /orgs/{org}/repos',
  'POST /user/repos',
  'PUT /repos/{owner}/{repo}/contents/{path}',
]);

/** The REST API versions GitHub answers (`X-GitHub-Api-Version`); any other is a 400 before anything else. */
export const supportedApiVersions = ['2022-11-28', '2026-03-10'];

function checkApiVersion(c: Context) {
  const asked = c.req.header('x-github-api-version');
  if (asked !== undefined && !supportedApiVersions.includes(asked.trim()))
    throw new SimHttpError(400, `Unsupported 'X-GitHub-Api-Version' header: ${asked}. The supported versions are ${supportedApiVersions.join(', ')}.`, {}, {
      documentation_url: 'https://docs.github.com/rest/about-the-rest-api/api-versions',
    });
}

const templates = new Set<string>();

/** Every REST route the simulator answers, as GitHub's templates (once a simulator has been made). */
export const routeTemplates = (): string[] => [...templates].sort();

/**
 * Registers one REST route under `/api/v3`, given as GitHub's template (`GET /app/installations/{installation_id}`).
 * Every route gets the same treatment: a request counter, authentication with the kinds of credential GitHub
 * accepts there, primary and secondary rate limits (with their headers on every answer, errors included),
 * fault injection, and conditional requests (`ETag`/`Last-Modified`, 304 not counted).
 */
export function defineRoute<K extends PrincipalKind>(
  api: Hono,
  ctx: SimContext,
  template: string,
  auth: K[] | 'none',
  handler: Handler<K>,
  /** more paths (Hono syntax) answered by the same route, e.g. the contents root without `{path}` */
  aliases: string[] = [],
) {
  templates.add(template);
  const [method, path] = template.split(' ') as [string, string];
  const honoPath = path.replace(/\{(\w+)\}/g, ':$1').replace(':path', ':path{.+}');
  api.on(method, [honoPath, ...aliases], async (c) => {
    ctx.requestCounts.set(template, (ctx.requestCounts.get(template) ?? 0) + 1);
    noteRoute(c, template, 'none');
    try {
      checkApiVersion(c);
      if (auth === 'none')
        return await withFault(c, ctx, template, null, () =>
          handler(c, undefined as unknown as Extract<Principal, { kind: K }>),
        );
      // The route accepts only kinds K, so the principal it is handed is one of them.
      return await authenticated(c, ctx, template, auth, handler as unknown as Handler<PrincipalKind>);
    } catch (error) {
      if (error instanceof SimHttpError) {
        // GitHub's errors link the endpoint's own page, and its secondary-limit message quotes the request id.
        error.documentationUrl ??= endpointDocs[template] ?? null;
        if (error instanceof SecondaryLimitError) error.message = secondaryLimitMessage(requestIdOf(c));
      }
      throw error;
    }
  });
}

/** A route that needs a credential (or takes none where GitHub answers anonymous callers). */
async function authenticated(
  c: Context,
  ctx: SimContext,
  template: string,
  auth: PrincipalKind[],
  handler: Handler<PrincipalKind>,
): Promise<Response> {
  const method = template.split(' ')[0]!;
  const limited = ctx.limits.settings.enabled;
  let rateHeaders: Record<string, string> = {};
  try {
    const credential = credentialOf(c.req.header('authorization'));
    let principal: Principal;
    try {
      const anonymous = c.req.header('authorization') === undefined && auth.includes('anonymous');
      if (!credential && !anonymous) throw new SimHttpError(401, 'Requires authentication');
      principal = credential ? resolvePrincipal(ctx, credential) : anonymousCaller(c);
      noteRoute(c, template, principal.kind);
    } catch (error) {
      // Failed authentications count against the client's unauthenticated budget, with its headers.
      if (limited) rateHeaders = unauthenticatedHeaders(c, ctx);
      throw error;
    }
    const bucket = rateBucket(ctx, principal);
    if (limited) rateHeaders = ctx.limits.consume(bucket.key, bucket.limit, bucket.what);
    rateHeaders = { ...rateHeaders, ...credentialHeaders(principal) };
    assertNotSuspended(principal);
    if (!auth.includes(principal.kind)) throw wrongKind(auth, principal);
    const giveBack = limited ? ctx.limits.spend(bucket.key, template, method, contentCreating.has(template)) : () => {};
    const leave = limited ? ctx.limits.enter(bucket.key) : () => {};
    let response: Response;
    try {
      response = await withFault(c, ctx, template, bucket, () => handler(c, principal));
    } catch (error) {
      // A refused creation (422, 409...) created nothing: GitHub does not count it as content creation.
      if (error instanceof SimHttpError && error.status >= 400 && error.status < 500) giveBack();
      throw error;
    } finally {
      leave();
    }
    const conditional = await notModified(c, response);
    if (conditional) {
      if (limited) rateHeaders = { ...rateHeaders, ...ctx.limits.refund(bucket.key) };
      response = conditional;
    }
    for (const [name, value] of Object.entries(rateHeaders))
      if (!response.headers.has(name)) response.headers.set(name, value);
    return response;
  } catch (error) {
    if (error instanceof SimHttpError)
      for (const [name, value] of Object.entries(rateHeaders)) error.headers[name] ??= value;
    throw error;
  }
}

function unauthenticatedHeaders(c: Context, ctx: SimContext): Record<string, string> {
  const bucket = rateBucket(ctx, anonymousCaller(c));
  return ctx.limits.consume(bucket.key, bucket.limit, bucket.what, { noThrow: true });
}

/**
 * A credential of the wrong kind. A JWT-only route answers 401 to anything but a JWT. A valid app JWT on a
 * route that needs an installation or user token is "Bad credentials" (401): GitHub does not accept the JWT
 * as a token there (reported by PyGithub/PyGithub#2504 for `GET /installation/repositories`, and GitHub's
 * community forum answer "the JWT will only give your application the ability to request an access token").
 * "A JSON web token could not be decoded" stays for a JWT GitHub cannot verify (app-jwt.ts).
 */
function wrongKind(auth: PrincipalKind[], principal: Principal): SimHttpError {
  if (auth.length === 1 && auth[0] === 'app') return new SimHttpError(401, 'A JSON web token could not be decoded');
  if (principal.kind === 'app') return badCredentials();
  return new SimHttpError(403, wrongCredentialMessage[principal.kind] ?? 'Forbidden');
}

/** Injected latency counts as time in flight (secondary limits see it), like a slow GitHub would. */
async function withFault(
  c: Context,
  ctx: SimContext,
  template: string,
  bucket: Bucket | null,
  run: () => Response | Promise<Response>,
): Promise<Response> {
  const fault = ctx.faults.take(template);
  if (fault?.latencyMs) await sleep(fault.latencyMs);
  if (fault?.hang) {
    // Hangs until the client gives up; the request then leaves, giving its concurrency slot back.
    const signal = c.req.raw.signal;
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return c.body(null, 499 as 200);
  }
  if (fault?.status || fault?.kind) return faultAnswer(c, ctx, fault, bucket);
  return run();
}

/** A fault answered in GitHub's shape for its kind, unless the rule gives its own body and headers. */
function faultAnswer(c: Context, ctx: SimContext, fault: FaultRule, bucket: Bucket | null): Response {
  const kind = fault.kind ?? (fault.status === 429 ? 'secondary' : undefined);
  const status = fault.status ?? (kind === 'primary' || kind === 'content-creation' ? 403 : 429);
  let body: unknown = fault.body;
  let headers: Record<string, string> = {};
  const current = bucket ? ctx.limits.headersOf(bucket.key, bucket.limit) : {};
  if (kind === 'secondary') {
    body ??= { message: secondaryLimitMessage(requestIdOf(c)), documentation_url: `${rateLimitDocs}#about-secondary-rate-limits` };
    headers = { ...current, 'retry-after': String(ctx.limits.settings.secondaryRetryAfterSeconds) };
  } else if (kind === 'content-creation') {
    body ??= { message: contentCreationLimitMessage(requestIdOf(c)), documentation_url: `${rateLimitDocs}#about-secondary-rate-limits` };
    headers = { ...current };
  } else if (kind === 'primary') {
    body ??= {
      message: `API rate limit exceeded for ${bucket?.what ?? 'this client'}.`,
      documentation_url: `${rateLimitDocs}#about-primary-rate-limits`,
    };
    headers = {
      ...current,
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': current['x-ratelimit-limit'] ?? '5000',
    };
    headers['x-ratelimit-reset'] ??= String(Math.ceil(ctx.clock.now() / 1000) + 3600);
  } else {
    body ??= { message: status >= 500 ? 'Server Error' : 'Simulated fault', status: String(status) };
  }
  return c.json(body as object, status as 500, { ...headers, ...fault.headers });
}

/**
 * Conditional requests: every successful GET carries a weak `ETag` (and `Last-Modified` when the resource has
 * an `updated_at`); `If-None-Match` / `If-Modified-Since` that still match get 304 with no body.
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate
 */
async function notModified(c: Context, response: Response): Promise<Response | null> {
  if (c.req.method !== 'GET' || response.status !== 200) return null;
  const body = Buffer.from(await response.clone().arrayBuffer());
  const etag = `W/"${createHash('sha256').update(body).digest('hex')}"`;
  response.headers.set('etag', etag);
  let lastModified: string | null = null;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { updated_at?: unknown };
    if (parsed && typeof parsed.updated_at === 'string') lastModified = new Date(parsed.updated_at).toUTCString();
  } catch {
    // not JSON: no Last-Modified
  }
  if (lastModified) response.headers.set('last-modified', lastModified);
  const ifNoneMatch = c.req.header('if-none-match');
  const ifModifiedSince = c.req.header('if-modified-since');
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  const matches = ifNoneMatch
    ? ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag))
    : Boolean(
        ifModifiedSince && lastModified && Date.parse(lastModified) <= Date.parse(ifModifiedSince),
      );
  if (!matches) return null;
  const headers = new Headers(response.headers);
  headers.delete('content-type');
  headers.delete('content-length');
  return new Response(null, { status: 304, headers });
}
