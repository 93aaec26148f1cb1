import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export { WebhookVerificationError } from 'standardwebhooks';

/** The Standard Webhooks headers a hub delivery carries. */
export type WebhookSignatureHeaders = {
  'webhook-id': string;
  /** Unix seconds of this attempt: receivers refuse timestamps more than 5 minutes off. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256 of id.timestamp.body>`. */
  'webhook-signature': string;
};

export interface WebhookMessage {
  /** The same on every retry of a message, so receivers can dedupe (the hub uses the CloudEvent id). */
  id: string;
  timestamp: Date;
  /** The exact bytes sent as the request body. */
  body: string;
}

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` and the base64 of 32 random bytes, as Standard Webhooks secrets are written. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/**
 * Signs delivery attempts with one secret, using the reference implementation (`standardwebhooks`).
 * Holds the decoded key, so a sender can keep one per subscription instead of decoding it per attempt.
 */
export class WebhookSigner {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    this.webhook = new Webhook(secret);
  }

  sign(message: WebhookMessage): WebhookSignatureHeaders {
    return {
      'webhook-id': message.id,
      'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(message.id, message.timestamp, message.body),
    };
  }
}

/** Signs one delivery attempt with the reference implementation (`standardwebhooks`). */
export function signWebhook(secret: string, message: WebhookMessage): WebhookSignatureHeaders {
  return new WebhookSigner(secret).sign(message);
}

/**
 * Checks a received delivery as a subscriber would: the signature over the raw body, and a
 * timestamp within 5 minutes of now. Throws `WebhookVerificationError` when either is wrong.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string | Buffer,
): void {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
  }
  new Webhook(secret).verify(body, flat, { jsonParse: false });
}
