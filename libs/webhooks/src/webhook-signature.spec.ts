import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook, verifyWebhook, WebhookSigner } from './webhook-signature';

const body = JSON.stringify({
  specversion: '1.0',
  id: 'a6f1c1de-7d0c-4a4e-9d8e-0c5b0d7f3e21',
  data: { x: 1 },
});
const id = 'a6f1c1de-7d0c-4a4e-9d8e-0c5b0d7f3e21';

describe(signWebhook.name, () => {
  const secret = generateWebhookSecret();

  it('makes whsec_ secrets of 32 random bytes', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('writes the three Standard Webhooks headers, HMAC-SHA256 over id.timestamp.body', () => {
    const timestamp = new Date('2026-11-20T09:30:00.750Z');
    const headers = signWebhook(secret, { id, timestamp, body });
    const seconds = String(Math.floor(timestamp.getTime() / 1000));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
    expect(headers).toEqual({
      'webhook-id': id,
      'webhook-timestamp': seconds,
      'webhook-signature': `v1,${expected}`,
    });
  });

  it("verifies with the reference implementation's own verify", () => {
    const headers = signWebhook(secret, { id, timestamp: new Date(), body });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => verifyWebhook(secret, headers, Buffer.from(body))).not.toThrow();
  });

  it('fails for a tampered body, another secret, or a stale timestamp', () => {
    const headers = signWebhook(secret, { id, timestamp: new Date(), body });
    expect(() => verifyWebhook(secret, headers, body.replace('"x":1', '"x":2'))).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifyWebhook(generateWebhookSecret(), headers, body)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(secret, { ...headers, 'webhook-id': 'other' }, body)).toThrow(
      WebhookVerificationError,
    );

    const stale = signWebhook(secret, { id, timestamp: new Date(Date.now() - 6 * 60_000), body });
    expect(() => verifyWebhook(secret, stale, body)).toThrow(/too old/);
    expect(() => new Webhook(secret).verify(body, { ...stale })).toThrow(WebhookVerificationError);
  });

  it('accepts a signature among several (key rotation) and header names in any case', () => {
    const headers = signWebhook(secret, { id, timestamp: new Date(), body });
    const rotated = {
      'Webhook-Id': headers['webhook-id'],
      'Webhook-Timestamp': headers['webhook-timestamp'],
      'Webhook-Signature': `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}`,
    };
    expect(() => verifyWebhook(secret, rotated, body)).not.toThrow();
  });
});

describe(WebhookSigner.name, () => {
  it('signs every attempt as signWebhook does, with its own secret only', () => {
    const secret = generateWebhookSecret();
    const signer = new WebhookSigner(secret);
    const timestamp = new Date('2026-11-20T09:30:00.750Z');
    expect(signer.sign({ id, timestamp, body })).toEqual(signWebhook(secret, { id, timestamp, body }));
    const later = new Date(timestamp.getTime() + 61_000);
    expect(signer.sign({ id, timestamp: later, body })).toEqual(
      signWebhook(secret, { id, timestamp: later, body }),
    );
    expect(signer.sign({ id, timestamp, body })).not.toEqual(
      new WebhookSigner(generateWebhookSecret()).sign({ id, timestamp, body }),
    );
    const now = signer.sign({ id, timestamp: new Date(), body });
    expect(() => verifyWebhook(secret, now, body)).not.toThrow();
  });
});
