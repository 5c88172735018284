import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it: which replica answered (after how many connection failures) and with what. */
export interface ProxiedRequest {
  method: string;
  path: string;
  replica: number | null;
  status: number;
  connectionFailures: number;
}

/**
 * What a load balancer with health checks does in front of the fleet, in the test process: round-robin over the
 * replicas that are up; a request goes to another replica only when the connection to the chosen one fails
 * before any byte of an answer came back (refused, or reset before the status line), which is safe whatever the
 * method: either the replica never got it, or it died before saying anything about it. A failed replica is taken
 * out until its `/readyz` answers again.
 */
export class RoundRobinProxy {
  readonly log: ProxiedRequest[] = [];
  /** called as each answer's status line arrives, before it is passed on (a test can crash a replica then) */
  onAnswer: ((request: ProxiedRequest) => void) | null = null;
  private targets: { port: number; up: boolean }[] = [];
  private next = 0;
  private server: Server | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks), res, 0));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.healthTimer = setInterval(() => void this.checkHealth(), 250);
    this.healthTimer.unref();
  }

  /** The replicas' ports, in order (a replica is named by its index here). */
  setTargets(ports: number[]) {
    this.targets = ports.map((port) => ({ port, up: true }));
  }

  /** Indexes of the replicas that answered at least one request matching `filter`. */
  replicasThatAnswered(filter: (r: ProxiedRequest) => boolean = () => true): Set<number> {
    return new Set(this.log.filter((r) => r.replica !== null && filter(r)).map((r) => r.replica!));
  }

  private pick(): number | null {
    for (let i = 0; i < this.targets.length; i++) {
      const index = (this.next + i) % this.targets.length;
      if (this.targets[index]!.up) {
        this.next = index + 1;
        return index;
      }
    }
    return null;
  }

  private forward(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: import('node:http').ServerResponse,
    failures: number,
  ) {
    const index = this.pick();
    if (index === null || failures >= this.targets.length) {
      this.log.push({ method, path, replica: null, status: 502, connectionFailures: failures });
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no replica answered');
      return;
    }
    let answered = false;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: this.targets[index]!.port,
        method,
        path,
        // A new connection per request: a killed replica shows as refused at once, never as a stale keep-alive.
        agent: false,
        headers: { ...headers, connection: 'close', 'content-length': String(body.length) },
      },
      (answer) => {
        answered = true;
        const entry = { method, path, replica: index, status: answer.statusCode ?? 0, connectionFailures: failures };
        this.log.push(entry);
        this.onAnswer?.(entry);
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-fleet-replica': String(index) });
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (answered) {
        res.destroy();
        return;
      }
      this.targets[index]!.up = false;
      this.forward(method, path, headers, body, res, failures + 1);
    });
    upstream.end(body);
  }

  private async checkHealth() {
    for (const target of this.targets) {
      if (target.up) continue;
      try {
        const answer = await fetch(`http://127.0.0.1:${target.port}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (answer.ok) target.up = true;
      } catch {
        // still down
      }
    }
  }

  async close(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
