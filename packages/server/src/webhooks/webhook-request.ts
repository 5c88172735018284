import { verifyWithFallback } from '@octokit/webhooks-methods';
import { AppError } from '../errors/app-error.js';

/** GitHub caps payloads at 25 MB. */
export const maxWebhookBytes = 25 * 1024 * 1024;

export interface WebhookEnvelope {
  appKey: string;
  event: string;
  action: string | null;
  deliveryId: string;
  installationId: number | null;
  payload: Record<string, unknown>;
}

/**
 * Checks a delivery before anything is stored: signature valid for one of the app's secrets (two during a rotation,
 * octokit's `verifyWithFallback`), headers well formed, a JSON content type, a JSON object body. Unauthenticated
 * bodies are never parsed.
 */
export async function readWebhook(appKey: string, headers: Headers, rawBody: string, secrets: readonly string[]): Promise<WebhookEnvelope> {
  const signature = headers.get('x-hub-signature-256');
  if (!signature) throw new AppError('unauthenticated', 'X-Hub-Signature-256 is missing.');
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) throw new AppError('unauthenticated', 'X-Hub-Signature-256 is malformed.');
  const [first, ...others] = secrets;
  const valid = first !== undefined && (await verifyWithFallback(first, rawBody, signature, others).catch(() => false));
  if (!valid) throw new AppError('unauthenticated', 'The webhook signature does not match.');
  const event = headers.get('x-github-event');
  const deliveryId = headers.get('x-github-delivery');
  if (!event || !/^[a-z0-9_]{1,64}$/.test(event)) throw new AppError('bad_request', 'X-GitHub-Event is missing or malformed.');
  if (!deliveryId || !/^[0-9a-fA-F-]{8,64}$/.test(deliveryId)) throw new AppError('bad_request', 'X-GitHub-Delivery is missing or malformed.');
  const mediaType = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json')
    throw new AppError('bad_request', 'Webhooks must be sent as application/json (set the content type in the app settings).');
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    throw new AppError('bad_request', 'The webhook body is not valid JSON.');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new AppError('bad_request', 'The webhook body is not a JSON object.');
  const body = payload as Record<string, unknown>;
  const installationId = Number((body.installation as { id?: unknown } | undefined)?.id);
  return {
    appKey,
    event,
    action: typeof body.action === 'string' ? body.action.slice(0, 64) : null,
    deliveryId,
    installationId: Number.isSafeInteger(installationId) ? installationId : null,
    payload: body,
  };
}
