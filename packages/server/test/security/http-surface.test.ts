import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubgate } from '../../src/compose/start-hubgate.js';
import { createLogger } from '../../src/logger.js';
import { type Harness, startHarness } from '../service-harness.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** Writes `text` on a raw connection and resolves with what came back and how long the server kept it open. */
function rawExchange(port: number, text: string, giveUpMs: number) {
  return new Promise<{ answer: string; closedAfterMs: number | null }>((resolve) => {
    const started = Date.now();
    let answer = '';
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(text));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedAfterMs: null });
    }, giveUpMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
    socket.on('error', () => {});
  });
}

describe('the HTTP server', () => {
  it('answers 503 with Retry-After while it is starting, then serves (8.15)', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-starting-'));
    const quiet = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
    const starting = startHubgate({ env: { PORT: String(port), HOST: '127.0.0.1', HUBGATE_DATA_DIR: dataDir, HUBGATE_RECONCILE_INTERVAL_SECONDS: '0' }, logger: quiet });
    let early: Response | null = null;
    let earlyBody: any = null;
    for (let attempt = 0; attempt < 200 && !early; attempt++) {
      early = await fetch(`http://127.0.0.1:${port}/api/session`, { signal: AbortSignal.timeout(3000) }).catch((error: Error) => {
        if (error.name === 'TimeoutError') throw new Error('a request during start got no answer');
        return null;
      });
      if (!early) await new Promise((r) => setTimeout(r, 5));
    }
    earlyBody = await early?.json();
    const hub = await starting;
    try {
      expect(early!.status).toBe(503);
      expect(early!.headers.get('retry-after')).toBe('1');
      expect(earlyBody.error.code).toBe('not_ready');
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    } finally {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  describe('with short timeouts (8.16)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ httpTimeouts: { requestMs: 1500, headersMs: 1000, checkEveryMs: 250 } });
    });
    afterAll(() => h.close());
    const port = () => Number(new URL(h.hub.url).port);

    it('cuts off a client that trickles its headers', async () => {
      const { closedAfterMs } = await rawExchange(port(), 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 6000);
      expect(closedAfterMs).not.toBeNull();
      expect(closedAfterMs!).toBeLessThan(3000);
    });

    it('cuts off a client that never sends the body it announced, with 408', async () => {
      const { answer, closedAfterMs } = await rawExchange(
        port(),
        'POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":',
        6000,
      );
      expect(closedAfterMs).not.toBeNull();
      expect(closedAfterMs!).toBeLessThan(3500);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    });
  });
});

describe('response headers and the metrics token (8.19)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { HUBGATE_METRICS_TOKEN: 'metrics-token-for-tests-123' } });
  });
  afterAll(() => h.close());

  it('forbids framing every page', async () => {
    for (const path of ['/workspace/settings/repos', '/api/session', '/healthz']) {
      const answer = await fetch(`${h.hub.url}${path}`);
      expect(answer.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('never lets a cache keep /api/session, which carries the CSRF token', async () => {
    const ada = await h.signIn('user_ada');
    const answer = await ada.get(`${h.hub.url}/api/session`);
    expect(((await answer.json()) as any).csrfToken).toBeTruthy();
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('accepts webhooks only as application/json exactly: application/jsonfoo is refused', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.' });
    const send = async (contentType: string) =>
      fetch(`${h.hub.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: {
          'content-type': contentType,
          'x-github-event': 'ping',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': await sign(h.hub.github.webhookSecrets[0]!, body),
        },
      });
    expect((await send('application/jsonfoo')).status).toBe(400);
    expect((await send('application/json; charset=utf-8')).status).toBe(202);
  });

  it('serves /metrics only with the metrics token when one is set', async () => {
    expect((await fetch(`${h.hub.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.hub.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    const ok = await fetch(`${h.hub.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-tests-123' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/hubgate_tokens_minted_total/);
  });
});
