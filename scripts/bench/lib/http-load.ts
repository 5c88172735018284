import { Agent, request } from 'node:http';
import { percentile } from './stats.js';

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** a body per request (webhooks need a fresh delivery id each time) */
  body?: () => { body: string; headers?: Record<string, string> };
  concurrency: number;
  /** the loop stops at whichever comes first */
  maxRequests: number;
  maxMs: number;
  /** requests before timing starts (connections opened, code warm) */
  warmup?: number;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** answers outside 2xx, or failures; a run with any is not a figure */
  errors: number;
  firstError: string | null;
}

/**
 * A closed-loop HTTP load over keep-alive connections on loopback: `concurrency` callers, each sending its next
 * request when the previous answer is read. Bounded in count and in time.
 */
export async function httpLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const url = new URL(options.url);
  const once = () =>
    new Promise<number>((resolve) => {
      const extra = options.body?.();
      const started = performance.now();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: options.method ?? 'GET',
          headers: { ...options.headers, ...extra?.headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const ms = performance.now() - started;
            if (res.statusCode! >= 300) {
              errors++;
              firstError ??= `HTTP ${res.statusCode}`;
            }
            resolve(ms);
          });
        },
      );
      req.on('error', (error) => {
        errors++;
        firstError ??= error.message;
        resolve(performance.now() - started);
      });
      req.end(extra?.body);
    });
  let errors = 0;
  let firstError: string | null = null;
  for (let i = 0; i < (options.warmup ?? options.concurrency * 20); i += options.concurrency) {
    await Promise.all(Array.from({ length: options.concurrency }, once));
  }
  errors = 0;
  firstError = null;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + options.maxMs;
  let sent = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (sent < options.maxRequests && performance.now() < deadline) {
        sent++;
        latencies.push(await once());
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    firstError,
  };
}
