import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@hubgate/github-auth';
// The library's request path, which the tenant clients use, is not public API: imported from its source.
import { createGitHubRequest } from '../../../github-auth/src/github-request.js';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOutboundUrl, guardedFetch, isPublicAddress, maxOutboundAnswerBytes } from '../../src/apps/outbound-guard.js';

const nobodyAllowed = { allowedPrivateHosts: [] };
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A host on this machine that answers as `handler` says, counting the requests it gets. */
async function host(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  server.closeAllConnections?.();
  return { port, origin: `http://127.0.0.1:${port}`, seen, server };
}

describe('the outbound guard for tenant hosts', () => {
  it('refuses every address that is not unicast and global, with one message that does not tell them from a name that does not resolve', async () => {
    const refusedMessage = (hostname: string) =>
      `${hostname} does not resolve to a public address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).`;
    for (const literal of [
      '[64:ff9b::a9fe:a9fe]', // NAT64 of 169.254.169.254
      '[2002:7f00:1::]', // 6to4 of 127.0.0.1
      '[::127.0.0.1]',
      '[::ffff:169.254.169.254]',
      '198.18.0.1', // benchmarking
      '224.0.0.1', // multicast
      '255.255.255.255', // broadcast
      '192.0.0.1', // IETF protocol assignments
      '169.254.169.254',
      '100.64.0.1',
      '127.0.0.1',
      '[fe80::1]',
    ]) {
      const url = new URL(`https://${literal}/api/v3`);
      await expect(checkOutboundUrl(url, nobodyAllowed), literal).rejects.toThrow(refusedMessage(url.hostname));
    }
    // A name that resolves nowhere, and one that resolves inside, get the same words.
    await expect(checkOutboundUrl(new URL('https://nowhere.example/api/v3'), nobodyAllowed, async () => [])).rejects.toThrow(
      refusedMessage('nowhere.example'),
    );
    await expect(
      checkOutboundUrl(new URL('https://inside.example/api/v3'), nobodyAllowed, async () => [{ address: '10.1.2.3', family: 4 }]),
    ).rejects.toThrow(refusedMessage('inside.example'));
    // One public address among private ones is not enough.
    await expect(
      checkOutboundUrl(new URL('https://mixed.example/api/v3'), nobodyAllowed, async () => [
        { address: '8.8.8.8', family: 4 },
        { address: '192.168.1.1', family: 4 },
      ]),
    ).rejects.toThrow(refusedMessage('mixed.example'));
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('2001:4860:4860::8888')).toBe(true);
    const ok = await checkOutboundUrl(new URL('https://public.example/api/v3'), nobodyAllowed, async () => [{ address: '8.8.8.8', family: 4 }]);
    expect(ok.addresses).toEqual(['8.8.8.8']);
  });

  it('reads no answer past its size cap, whether or not the host declares its length, and does not retry it', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const endless = await host((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const pump = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent < 50) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    const allowed = { allowedPrivateHosts: [`127.0.0.1:${endless.port}`] };
    const guarded = guardedFetch(allowed, fetch);
    await expect(guarded(`${endless.origin}/app`)).rejects.toThrow(`answered with more than ${maxOutboundAnswerBytes / 1024 / 1024} MB; refused`);

    const declared = await host((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(800 * 1024 * 1024) });
      res.write('{');
    });
    const guardedDeclared = guardedFetch({ allowedPrivateHosts: [`127.0.0.1:${declared.port}`] }, fetch);
    await expect(guardedDeclared(`${declared.origin}/app`)).rejects.toThrow(/more than 10 MB; refused/);

    // Through the library's GitHub client (which retries 5xx and network errors): one request, no retry.
    const request = createGitHubRequest({ apiUrl: endless.origin, logger: silentLogger, fetch: guarded, retryBaseMs: 1 });
    await expect(request('GET /app')).rejects.toThrow(/more than 10 MB; refused/);
    expect(endless.seen.filter((r) => r.url === '/app')).toHaveLength(2); // the direct call above, and this one
  });

  it('gives up on a host that does not answer in time, without retrying it', async () => {
    const hanging = await host(() => {});
    const guarded = guardedFetch({ allowedPrivateHosts: [`127.0.0.1:${hanging.port}`] }, fetch, undefined, 300);
    const request = createGitHubRequest({ apiUrl: hanging.origin, logger: silentLogger, fetch: guarded, retryBaseMs: 1 });
    const started = performance.now();
    await expect(request('GET /app')).rejects.toThrow(`127.0.0.1:${hanging.port} did not answer within 0.3 s.`);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(hanging.seen).toHaveLength(1);
  });

  it('connects to the address it checked, whatever the name resolves to a moment later (DNS rebinding)', async () => {
    const target = await host((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ host: req.headers.host }));
    });
    let lookups = 0;
    // The first answer is the one checked; every later one points elsewhere (an address nothing listens on here).
    const rebinding = async () => [{ address: lookups++ === 0 ? '127.0.0.1' : '127.0.0.3', family: 4 }];
    const name = 'rebind.hubgate.test';
    const guarded = guardedFetch({ allowedPrivateHosts: [`${name}:${target.port}`] }, fetch, rebinding);
    const response = await guarded(`http://${name}:${target.port}/api/v3/app`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ host: `${name}:${target.port}` });
    expect(lookups).toBe(1);
  });
});
