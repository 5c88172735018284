import { createHmac, randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import { createIdSequence } from './ids.js';
import type { SimApp } from './model.js';

export interface WebhookDelivery {
  id: number;
  guid: string;
  appId: number;
  deliveredAt: number;
  redelivery: boolean;
  durationMs: number;
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  requestHeaders: Record<string, string>;
  body: string;
  responseBody: string;
}

export interface WebhookDispatcherOptions {
  now: () => number;
  timeoutMs: number;
  hookId?: number;
}

/**
 * Sends webhook deliveries the way GitHub does: signed raw bodies, GitHub's headers, one attempt only
 * (GitHub never retries by itself), every attempt recorded for `GET /app/hook/deliveries`.
 */
export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly nextId = createIdSequence(90000001);
  private paused = false;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Stop sending (deliveries are recorded as failed), as when the app's server is unreachable. */
  setPaused(paused: boolean) {
    this.paused = paused;
  }

  deliver(
    app: SimApp,
    event: string,
    payload: Record<string, unknown>,
    meta: { installationId?: number | null; repositoryId?: number | null } = {},
  ): WebhookDelivery | null {
    if (!app.webhookUrl) return null;
    const delivery: WebhookDelivery = {
      id: this.nextId(),
      guid: randomUUID(),
      appId: app.id,
      deliveredAt: this.options.now(),
      redelivery: false,
      durationMs: 0,
      status: 'pending',
      statusCode: 0,
      event,
      action: typeof payload.action === 'string' ? payload.action : null,
      installationId: meta.installationId ?? null,
      repositoryId: meta.repositoryId ?? null,
      requestHeaders: {},
      body: JSON.stringify(payload),
      responseBody: '',
    };
    this.deliveries.push(delivery);
    this.track(this.send(app, delivery));
    return delivery;
  }

  redeliver(app: SimApp, deliveryId: number): WebhookDelivery | null {
    const original = this.deliveries.find((d) => d.id === deliveryId && d.appId === app.id);
    if (!original) return null;
    const again: WebhookDelivery = {
      ...original,
      id: this.nextId(),
      deliveredAt: this.options.now(),
      redelivery: true,
      status: 'pending',
      statusCode: 0,
      responseBody: '',
    };
    this.deliveries.push(again);
    this.track(this.send(app, again));
    return again;
  }

  /** Resolves when every delivery under way has finished (tests await it). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  forApp(appId: number): WebhookDelivery[] {
    return this.deliveries.filter((d) => d.appId === appId);
  }

  private track(promise: Promise<void>) {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async send(app: SimApp, delivery: WebhookDelivery): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/sim',
      'x-github-event': delivery.event,
      'x-github-delivery': delivery.guid,
      'x-github-hook-id': String(this.options.hookId ?? 424242),
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(app.id),
    };
    if (app.webhookSecret) {
      // GitHub still sends the legacy SHA-1 signature beside the SHA-256 one.
      headers['x-hub-signature'] =
        `sha1=${createHmac('sha1', app.webhookSecret).update(delivery.body).digest('hex')}`;
      headers['x-hub-signature-256'] = await sign(app.webhookSecret, delivery.body);
    }
    delivery.requestHeaders = headers;
    const started = Date.now();
    if (this.paused) {
      delivery.status = 'failed to connect to host';
      delivery.statusCode = 0;
      return;
    }
    try {
      const response = await fetch(app.webhookUrl!, {
        method: 'POST',
        headers,
        body: delivery.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      delivery.responseBody = (await response.text()).slice(0, 2000);
      delivery.statusCode = response.status;
      delivery.status = response.ok ? 'OK' : `Invalid HTTP Response: ${response.status}`;
    } catch (error) {
      delivery.statusCode = 0;
      delivery.status = (error as Error).name === 'TimeoutError' ? 'timed out' : 'failed to connect to host';
    } finally {
      delivery.durationMs = Date.now() - started;
    }
  }
}
