import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (the form the spec's libraries read). */
export function newEventSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks headers of one message: `webhook-id` (the same on every attempt, the receiver's idempotency
 * key), `webhook-timestamp` (this attempt, Unix seconds) and `webhook-signature`, one `v1,` signature per secret
 * that signs now (two during a rotation, space separated, as the spec allows), by the `standardwebhooks` package.
 */
export function signedHeaders(id: string, body: string, secrets: string[], at: Date): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(id, at, body));
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
