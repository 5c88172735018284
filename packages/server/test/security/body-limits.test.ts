import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHubgate, startHubgate } from '../../src/compose/start-hubgate.js';
import { createLogger } from '../../src/logger.js';
import { type Harness, startHarness } from '../service-harness.js';

/**
 * Sends only the head of a request that declares a `declaredBytes` body (and a few bytes of it), and resolves with
 * the answer's head: a service that waited for the body before refusing would never answer.
 */
function declareHugeBody(base: string, method: string, path: string, declaredBytes: number, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  return new Promise<string>((resolve, reject) => {
    let answer = '';
    const socket = tcpConnect(Number(port), hostname, () => {
      const head = Object.entries({ host: `${hostname}:${port}`, 'content-type': 'application/json', 'content-length': String(declaredBytes), ...headers })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n\r\n{"name":"`);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; got so far: ${answer}`));
    }, 5000);
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      const [head, ...rest] = answer.split('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(head ?? '')?.[1] ?? Number.NaN);
      if (rest.length > 0 && Buffer.byteLength(rest.join('\r\n\r\n')) >= length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', () => {});
  });
}

describe('request bodies are refused by size before they are read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { HUBGATE_WEBHOOK_BUFFER_MB: '25' } });
  });
  afterAll(() => h.close());

  it('answers 413 at once to a 400 MB body declared to POST /api/projects, signed in or not, and to the broker before the key is checked', async () => {
    const anonymous = await declareHugeBody(h.hub.url, 'POST', '/api/projects', 400 * 1024 * 1024);
    expect(anonymous).toMatch(/^HTTP\/1\.1 413/);
    expect(anonymous).toMatch(/larger than 64 KB/);
    const ada = await h.signIn('user_ada');
    const cookie = (ada as any).cookieHeader(new URL(h.hub.url)) as string;
    const signedIn = await declareHugeBody(h.hub.url, 'POST', '/api/projects', 400 * 1024 * 1024, { cookie, 'x-csrf-token': ada.csrf });
    expect(signedIn).toMatch(/^HTTP\/1\.1 413/);
    expect(signedIn).toMatch(/"code":"too_large"/);
    const broker = await declareHugeBody(h.hub.url, 'POST', '/api/v1/tokens', 400 * 1024 * 1024, { authorization: 'Bearer not-a-key' });
    expect(broker).toMatch(/^HTTP\/1\.1 413/);
  });

  it('cuts a chunked JSON body without Content-Length at 64 KB, and leaves a normal one alone', async () => {
    const ada = await h.signIn('user_ada');
    const big = new Uint8Array(256 * 1024).fill(0x61);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(big);
        controller.close();
      },
    });
    const cookie = (ada as any).cookieHeader(new URL(h.hub.url)) as string;
    const answer = await fetch(`${h.hub.url}/api/projects`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'content-type': 'application/json', 'x-csrf-token': ada.csrf, cookie },
    } as RequestInit);
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as any).error.message).toBe('The request body is larger than 64 KB.');
    const normal = await h.api(ada, 'POST', '/api/projects', { name: 'x'.repeat(70 * 1024) });
    expect(normal.status).toBe(413);
    const fine = await h.api(ada, 'POST', '/api/projects', { name: '' });
    expect(fine.status).toBe(400);
  });

  it('holds at most the webhook byte budget of unverified bodies at once: past it, 503 with Retry-After, and room again once answered', async () => {
    // A chunked upload reserves the 25 MB a delivery may have: it fills the budget of 25 MB while it lasts.
    let finish!: () => void;
    const slow = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"zen":"'));
        finish = () => {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        };
      },
    });
    const headers = (body?: string) => ({
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': body === undefined ? `sha256=${'0'.repeat(64)}` : '',
    });
    const held = fetch(`${h.hub.url}/webhooks/github`, { method: 'POST', body: slow, duplex: 'half', headers: headers() } as RequestInit);
    await new Promise((r) => setTimeout(r, 300));
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const signedPing = async () =>
      fetch(`${h.hub.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: { ...headers(body), 'x-hub-signature-256': await sign(h.hub.github.webhookSecrets[0]!, body) },
      });
    const refused = await signedPing();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(((await refused.json()) as any).error.message).toMatch(/Too many webhook bodies are being received at once/);
    finish();
    expect((await held).status).toBe(401);
    expect((await signedPing()).status).toBe(202);
  });
});

describe('the first-run page', () => {
  let hub: RunningHubgate | null = null;
  let url = '';
  const abort = new AbortController();
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hubgate-first-run-limit-'));
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    url = `http://127.0.0.1:${port}`;
    const quiet = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
    const starting = startHubgate({
      env: { PORT: String(port), HOST: '127.0.0.1', HUBGATE_DATA_DIR: dir, HUBGATE_SANDBOX: 'off', HUBGATE_RECONCILE_INTERVAL_SECONDS: '0', HUBGATE_SETUP_TOKEN: 'first-run-token-0123456789abcdef' },
      logger: quiet,
      signal: abort.signal,
    });
    void starting.then((h) => (hub = h), () => undefined);
    for (let i = 0; (await fetch(`${url}/healthz`).then((r) => r.status, () => 0)) !== 200; i++) {
      if (i > 100) throw new Error('the first-run page never answered');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    abort.abort(new Error('test over'));
    await (hub as RunningHubgate | null)?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a form over 16 KB with 413 before parsing it, on a page anyone can reach', async () => {
    const answer = await declareHugeBody(url, 'POST', '/first-run', 300 * 1024 * 1024, { 'content-type': 'application/x-www-form-urlencoded' }).catch(
      (error: Error) => error.message,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/larger than 16 KB/);
  });
});
