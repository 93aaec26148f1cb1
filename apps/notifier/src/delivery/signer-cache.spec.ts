import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError, signWebhook } from '@hub/webhooks';
import { SignerCache } from './signer-cache';

const message = { id: 'evt-1', timestamp: new Date('2026-01-01T00:00:00Z'), body: '{"a":1}' };

class CountingBox extends SecretBox {
  opened = 0;
  override open(ciphertext: string): string {
    this.opened += 1;
    return super.open(ciphertext);
  }
}

describe(SignerCache.name, () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  let box: CountingBox;

  beforeEach(() => {
    box = new CountingBox(randomBytes(32).toString('base64'));
  });

  it('opens a subscription secret once and signs with it on every attempt', () => {
    const cache = new SignerCache(box, 10);
    const sealed = box.seal(secret);
    const first = cache.signerFor('s-1', sealed).sign(message);
    const second = cache.signerFor('s-1', sealed).sign(message);
    expect(first).toEqual(signWebhook(secret, message));
    expect(second).toEqual(first);
    expect(box.opened).toBe(1);
  });

  it('opens a rotated secret afresh', () => {
    const cache = new SignerCache(box, 10);
    cache.signerFor('s-1', box.seal(secret));
    const rotated = `whsec_${randomBytes(24).toString('base64')}`;
    expect(cache.signerFor('s-1', box.seal(rotated)).sign(message)).toEqual(signWebhook(rotated, message));
    expect(box.opened).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('keeps at most its capacity, dropping the least recently opened', () => {
    const cache = new SignerCache(box, 2);
    const sealed = box.seal(secret);
    cache.signerFor('s-1', sealed);
    cache.signerFor('s-2', sealed);
    cache.signerFor('s-3', sealed);
    expect(cache.size).toBe(2);
    cache.signerFor('s-3', sealed);
    cache.signerFor('s-2', sealed);
    expect(box.opened).toBe(3);
    cache.signerFor('s-1', sealed);
    expect(box.opened).toBe(4);
  });

  it('throws when the secret does not open, and keeps nothing for it', () => {
    const cache = new SignerCache(box, 10);
    const other = new SecretBox(randomBytes(32).toString('base64'));
    expect(() => cache.signerFor('s-1', other.seal(secret))).toThrow(SecretBoxError);
    expect(cache.size).toBe(0);
  });
});
