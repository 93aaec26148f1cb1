import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError, signWebhook } from '@hub/webhooks';
import { SignerCache } from './signer-cache';

const message = { id: 'evt-1', timestamp: new Date('2026-01-01T00:00:00Z'), body: '{"a":1}' };

class CountingBox extends SecretBox {
  opened = 0;
  override open(ciphertext: string, owner: string): string {
    this.opened += 1;
    return super.open(ciphertext, owner);
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
    const sealed = box.seal(secret, 's-1');
    const first = cache.signerFor('s-1', sealed).sign(message);
    const second = cache.signerFor('s-1', sealed).sign(message);
    expect(first).toEqual(signWebhook(secret, message));
    expect(second).toEqual(first);
    expect(box.opened).toBe(1);
  });

  it('opens a rotated secret afresh', () => {
    const cache = new SignerCache(box, 10);
    cache.signerFor('s-1', box.seal(secret, 's-1'));
    const rotated = `whsec_${randomBytes(24).toString('base64')}`;
    expect(cache.signerFor('s-1', box.seal(rotated, 's-1')).sign(message)).toEqual(
      signWebhook(rotated, message),
    );
    expect(box.opened).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('keeps at most its capacity, dropping the least recently opened', () => {
    const cache = new SignerCache(box, 2);
    const sealed = (id: string): string => box.seal(secret, id);
    const [one, two, three] = [sealed('s-1'), sealed('s-2'), sealed('s-3')];
    cache.signerFor('s-1', one);
    cache.signerFor('s-2', two);
    cache.signerFor('s-3', three);
    expect(cache.size).toBe(2);
    cache.signerFor('s-3', three);
    cache.signerFor('s-2', two);
    expect(box.opened).toBe(3);
    cache.signerFor('s-1', one);
    expect(box.opened).toBe(4);
  });

  it('throws when the secret does not open, and keeps nothing for it', () => {
    const cache = new SignerCache(box, 10);
    const other = new SecretBox(randomBytes(32).toString('base64'));
    expect(() => cache.signerFor('s-1', other.seal(secret, 's-1'))).toThrow(SecretBoxError);
    expect(cache.size).toBe(0);
  });

  it('opens a secret only for the subscription it was sealed for', () => {
    const cache = new SignerCache(box, 10);
    expect(() => cache.signerFor('s-2', box.seal(secret, 's-1'))).toThrow(SecretBoxError);
    expect(cache.size).toBe(0);
  });
});
