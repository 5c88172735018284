import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { markPermanent } from '@hubgate/github-auth';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { AppError } from '../errors/app-error.js';

export interface OutboundPolicy {
  /**
   * Hosts (`host` or `host:port`) the operator allows although they resolve to private or loopback addresses (a GHES
   * host is often on a private network). Plain http is accepted only for these, never for a public host.
   */
  allowedPrivateHosts: string[];
}

/** Every answer from a tenant's host is read to at most this many bytes (GitHub's REST answers are far smaller). */
export const maxOutboundAnswerBytes = 10 * 1024 * 1024;
/** One exchange with a tenant's host (connect, send, the whole answer) takes at most this long. */
export const outboundTimeoutMs = 10_000;

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const dnsResolver: Resolver = (host) => lookup(host, { all: true });

/**
 * Whether an address is one a tenant may make us call: unicast and global only, by ipaddr.js's classification of
 * the special ranges (loopback, private, link-local, CGNAT, benchmarking, multicast, broadcast, reserved, and the
 * IPv6 forms that carry an IPv4 address inside: mapped, NAT64 `64:ff9b::/96`, 6to4, Teredo). A maintained list
 * rather than a hand-written one, which had gaps.
 */
const globalUnicast = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

export function isPublicAddress(address: string): boolean {
  try {
    const parsed = ipaddr.parse(address);
    if (parsed.range() !== 'unicast') return false;
    // ipaddr.js calls every IPv6 address outside its special ranges unicast, including the deprecated
    // IPv4-compatible `::a.b.c.d` (which some stacks still route to the IPv4 address inside): only the global
    // unicast block 2000::/3 is public.
    return parsed.kind() === 'ipv4' || (parsed as ipaddr.IPv6).match(globalUnicast);
  } catch {
    return false;
  }
}

/** The one refusal for a host that does not resolve and one that resolves inside: it does not map internal names. */
const notPublic = (hostname: string) =>
  markPermanent(
    new AppError(
      'unprocessable',
      `${hostname} does not resolve to a public address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).`,
      { details: { field: 'apiUrl' } },
    ),
  );

/**
 * A `fetch` for requests to a tenant's own GitHub host: https only, no address that is not public unless the host is
 * on the operator's allow-list, every redirect checked again (followed here, by hand), the connection pinned to the
 * addresses just checked (a name that resolves elsewhere a moment later, DNS rebinding, cannot steer it), each
 * exchange bounded in time and the answer in size. Refusals are marked permanent: the GitHub client does not retry
 * what cannot succeed.
 */
export function guardedFetch(
  policy: OutboundPolicy,
  baseFetch: typeof fetch,
  resolve: Resolver = dnsResolver,
  timeoutMs = outboundTimeoutMs,
): typeof fetch {
  return async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    for (let hop = 0; hop < 5; hop++) {
      const { addresses } = await checkOutboundUrl(url, policy, resolve);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // A name is connected to the addresses it was checked with; an IP literal needs no lookup.
      const dispatcher = isIP(host) || addresses.length === 0 ? undefined : pinnedAgent(addresses);
      try {
        const response = await send(url, { ...init, redirect: 'manual', signal }, dispatcher, baseFetch).catch((error: unknown) => {
          throw asOutboundFailure(error, url, timeoutMs);
        });
        const location = response.headers.get('location');
        if (response.status < 300 || response.status > 399 || !location) return await bounded(response, url, timeoutMs);
        await response.body?.cancel();
        url = new URL(location, url);
      } finally {
        void dispatcher?.close();
      }
    }
    throw markPermanent(new AppError('unprocessable', 'The GitHub host redirected too many times.'));
  };
}

/**
 * Through a pinned dispatcher, undici's own fetch: the dispatcher option of Node's built-in fetch is tied to the
 * undici version bundled in each Node line, and would break across 22 and 24.
 */
function send(url: URL, init: RequestInit, dispatcher: Agent | undefined, baseFetch: typeof fetch): Promise<Response> {
  if (!dispatcher) return baseFetch(url, init);
  return undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
}

/** A deadline or abort becomes the guard's own permanent refusal; the guard's refusals pass as they are. */
function asOutboundFailure(error: unknown, url: URL, timeoutMs: number): unknown {
  if (error instanceof AppError) return error;
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return markPermanent(new AppError('github_unreachable', `${url.host} did not answer within ${timeoutMs / 1000} s.`, { cause: error }));
  return error;
}

/** An undici Agent whose every connection goes to one of these addresses, whatever DNS says by then. */
function pinnedAgent(addresses: string[]): Agent {
  const pinned: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
  return new Agent({
    connect: {
      lookup: (_hostname, options, callback) => {
        if ((options as { all?: boolean }).all) (callback as (e: null, a: LookupAddress[]) => void)(null, pinned);
        else (callback as (e: null, a: string, f: number) => void)(null, pinned[0]!.address, pinned[0]!.family);
      },
    },
  });
}

/** The answer read whole, once, but never past `maxOutboundAnswerBytes` (refused as soon as it would be). */
async function bounded(response: Response, url: URL, timeoutMs: number): Promise<Response> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxOutboundAnswerBytes) {
    await response.body?.cancel();
    throw tooLarge(url);
  }
  const body = await readBounded(response.body, url).catch((error: unknown) => {
    throw asOutboundFailure(error, url, timeoutMs);
  });
  return new Response(response.status === 204 || response.status === 304 ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

const tooLarge = (url: URL) =>
  markPermanent(new AppError('unprocessable', `${url.host} answered with more than ${maxOutboundAnswerBytes / 1024 / 1024} MB; refused.`));

async function readBounded(stream: ReadableStream<Uint8Array> | null, url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxOutboundAnswerBytes) {
      await reader.cancel();
      throw tooLarge(url);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Whether the operator allows this URL's host (`host` or `host:port`) although private, and plain http to it. */
export const allowsPrivateHost = (allowedPrivateHosts: readonly string[], url: URL) =>
  allowedPrivateHosts.some((h) => h === url.host || h === url.hostname);

/**
 * Checks a URL to a tenant's host; answers the addresses it resolved to (the connection is then pinned to them).
 */
export async function checkOutboundUrl(
  url: URL,
  policy: OutboundPolicy,
  resolve: Resolver = dnsResolver,
  /** what the https rule is about, in its refusal ("a GitHub host is reached", "events are posted") */
  what = 'a GitHub host is reached',
): Promise<{ addresses: string[] }> {
  const allowed = allowsPrivateHost(policy.allowedPrivateHosts, url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed))
    throw markPermanent(
      new AppError('unprocessable', `${url.origin} is not https: ${what} over https only.`, { details: { field: 'apiUrl' } }),
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host).catch(() => []);
  if (!allowed && (addresses.length === 0 || addresses.some(({ address }) => !isPublicAddress(address)))) throw notPublic(url.hostname);
  return { addresses: addresses.map((a) => a.address) };
}

/**
 * `git -c` settings that hold git to the same rule when it talks to a tenant's host itself (git resolves names
 * and follows redirects on its own, past `guardedFetch`): the host is checked here, then pinned to the addresses
 * just checked (`http.curloptResolve`, git 2.37+), so a name that resolves elsewhere a moment later (DNS
 * rebinding) cannot steer the push; redirects are not followed; no protocol but the URL's own is allowed.
 */
export async function gitOutboundConfig(remoteUrl: string, policy: OutboundPolicy, resolve: Resolver = dnsResolver): Promise<string[]> {
  const url = new URL(remoteUrl);
  const { addresses } = await checkOutboundUrl(url, policy, resolve);
  const scheme = url.protocol.slice(0, -1);
  const config = ['http.followRedirects=false', 'protocol.allow=never', `protocol.${scheme}.allow=always`];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isIP(host) && addresses.length > 0) {
    const port = url.port || (scheme === 'https' ? '443' : '80');
    const pinned = addresses.map((a) => (isIP(a) === 6 ? `[${a}]` : a)).join(',');
    config.push(`http.curloptResolve=${host}:${port}:${pinned}`);
  }
  return config.flatMap((c) => ['-c', c]);
}
