import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors/app-error.js';

/** Addresses a tenant must not make us call (SSRF): loopback, private, link-local, CGNAT, unique-local, unspecified. */
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  internal.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::1', 128],
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  internal.addSubnet(net, prefix, 'ipv6');

export interface OutboundPolicy {
  /**
   * Hosts (`host` or `host:port`) the operator allows although they resolve to private or loopback addresses (a GHES
   * host is often on a private network). Plain http is accepted only for these, never for a public host.
   */
  allowedPrivateHosts: string[];
}

/**
 * A `fetch` for requests to a tenant's own GitHub host: https only, no private or loopback address unless the host
 * is on the operator's allow-list, and every redirect checked again (they are followed here, by hand).
 */
export function guardedFetch(policy: OutboundPolicy, baseFetch: typeof fetch): typeof fetch {
  return async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    for (let hop = 0; hop < 5; hop++) {
      await checkOutboundUrl(url, policy);
      const response = await baseFetch(url, { ...init, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || !location) return response;
      url = new URL(location, url);
    }
    throw new AppError('unprocessable', 'The GitHub host redirected too many times.');
  };
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const dnsResolver: Resolver = (host) => lookup(host, { all: true });

/** Checks a URL to a tenant's host; answers whether the operator allows the host and the addresses it resolved to. */
export async function checkOutboundUrl(
  url: URL,
  policy: OutboundPolicy,
  resolve: Resolver = dnsResolver,
): Promise<{ allowed: boolean; addresses: string[] }> {
  const allowed = policy.allowedPrivateHosts.some((h) => h === url.host || h === url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed))
    throw new AppError('unprocessable', `${url.origin} is not https: a GitHub host is reached over https only.`, { details: { field: 'apiUrl' } });
  if (allowed) return { allowed, addresses: [] };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host).catch(() => []);
  if (addresses.length === 0)
    throw new AppError('unprocessable', `${url.hostname} does not resolve.`, { details: { field: 'apiUrl' } });
  for (const { address, family } of addresses) {
    if (internal.check(address, family === 6 ? 'ipv6' : 'ipv4'))
      throw new AppError(
        'unprocessable',
        `${url.hostname} resolves to a private or loopback address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).`,
        { details: { field: 'apiUrl' } },
      );
  }
  return { allowed, addresses: addresses.map((a) => a.address) };
}

/**
 * `git -c` settings that hold git to the same rule when it talks to a tenant's host itself (git resolves names
 * and follows redirects on its own, past `guardedFetch`): the host is checked here, then pinned to the addresses
 * just checked (`http.curloptResolve`, git 2.37+), so a name that resolves elsewhere a moment later (DNS
 * rebinding) cannot steer the push; redirects are not followed; no protocol but the URL's own is allowed.
 */
export async function gitOutboundConfig(remoteUrl: string, policy: OutboundPolicy, resolve: Resolver = dnsResolver): Promise<string[]> {
  const url = new URL(remoteUrl);
  const { allowed, addresses } = await checkOutboundUrl(url, policy, resolve);
  const scheme = url.protocol.slice(0, -1);
  const config = ['http.followRedirects=false', 'protocol.allow=never', `protocol.${scheme}.allow=always`];
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowed && !isIP(host)) {
    const port = url.port || (scheme === 'https' ? '443' : '80');
    const pinned = addresses.map((a) => (isIP(a) === 6 ? `[${a}]` : a)).join(',');
    config.push(`http.curloptResolve=${host}:${port}:${pinned}`);
  }
  return config.flatMap((c) => ['-c', c]);
}
