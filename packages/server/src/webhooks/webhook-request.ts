import { verify } from '@octokit/webhooks-methods';
import { AppError } from '../errors.js';

export const maxWebhookBytes = 25 * 1024 * 1024; // GitHub caps payloads at 25 MB

export interface WebhookEnvelope {
  event: string;
  deliveryId: string;
  payload: Record<string, unknown>;
}

/**
 * Checks a delivery before anything is stored: headers present, JSON content type, signature valid for one of
 * the secrets (two during a rotation), body a JSON object. Unauthenticated bodies are never parsed.
 */
export async function readWebhook(
  headers: Headers,
  rawBody: string,
  secrets: string[],
): Promise<WebhookEnvelope> {
  const signature = headers.get('x-hub-signature-256');
  if (!signature) throw new AppError('unauthenticated', 'X-Hub-Signature-256 is missing.');
  if (!/^sha256=[0-9a-f]{64}$/.test(signature))
    throw new AppError('unauthenticated', 'X-Hub-Signature-256 is malformed.');
  let valid = false;
  for (const secret of secrets) {
    if (await verify(secret, rawBody, signature).catch(() => false)) valid = true;
  }
  if (!valid) throw new AppError('unauthenticated', 'The webhook signature does not match.');
  const event = headers.get('x-github-event');
  const deliveryId = headers.get('x-github-delivery');
  if (!event || !/^[a-z0-9_]{1,64}$/.test(event))
    throw new AppError('bad_request', 'X-GitHub-Event is missing or malformed.');
  if (!deliveryId || !/^[0-9a-fA-F-]{8,64}$/.test(deliveryId))
    throw new AppError('bad_request', 'X-GitHub-Delivery is missing or malformed.');
  if (!(headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    throw new AppError(
      'bad_request',
      'Webhooks must be sent as application/json (set the content type in the app settings).',
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw new AppError('bad_request', 'The webhook body is not valid JSON.');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload))
    throw new AppError('bad_request', 'The webhook body is not a JSON object.');
  return { event, deliveryId, payload: payload as Record<string, unknown> };
}
