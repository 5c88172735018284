import type { InstallationTokenProvider } from '@hubgate/github-auth';
import { Counter, Gauge, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  webhookDeliveries: Counter<'event' | 'outcome'>;
  webhookRefusals: Counter<'reason'>;
}

/** Prometheus metrics; token counts are read from the provider's own counters when scraped. */
export function createMetrics(tokens: () => InstallationTokenProvider | null): Metrics {
  const registry = new Registry();
  const webhookDeliveries = new Counter({
    name: 'hubgate_webhook_deliveries_total',
    help: 'Webhook deliveries by event and outcome',
    labelNames: ['event', 'outcome'],
    registers: [registry],
  });
  const webhookRefusals = new Counter({
    name: 'hubgate_webhook_refusals_total',
    help: 'Webhook requests refused before processing',
    labelNames: ['reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'hubgate_tokens_minted_total',
    help: 'Installation tokens minted by this process',
    registers: [registry],
    collect() {
      this.set(tokens()?.stats.mints ?? 0);
    },
  });
  new Gauge({
    name: 'hubgate_token_cache_hits_total',
    help: 'Token requests answered from a cache tier',
    labelNames: ['tier'],
    registers: [registry],
    collect() {
      const stats = tokens()?.stats;
      this.set({ tier: 'process' }, stats?.memoryHits ?? 0);
      this.set({ tier: 'redis' }, stats?.redisHits ?? 0);
    },
  });
  new Gauge({
    name: 'hubgate_token_cache_live_evictions_total',
    help: 'Tokens still valid that the process tier had to evict for its bound (size the bound, or let Redis absorb them)',
    registers: [registry],
    collect() {
      this.set(tokens()?.stats.liveEvictions ?? 0);
    },
  });
  new Gauge({
    name: 'hubgate_token_cache_entries',
    help: 'Tokens and installations held in the process tier',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const size = tokens()?.cacheSize();
      this.set({ kind: 'tokens' }, size?.tokens ?? 0);
      this.set({ kind: 'installations' }, size?.installations ?? 0);
    },
  });
  new Gauge({
    name: 'hubgate_github_rate_limit_remaining',
    help: 'Requests left in the GitHub rate-limit window, as GitHub last reported it to this process',
    registers: [registry],
    collect() {
      const last = tokens()?.client.lastRateLimit;
      if (last) this.set(last.remaining);
    },
  });
  return { registry, webhookDeliveries, webhookRefusals };
}
