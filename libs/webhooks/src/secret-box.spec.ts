import { createCipheriv, randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';

const key = randomBytes(32).toString('base64');
const subscription = '0c1e8a54-6f4e-4f0e-9d55-3b1f4f3f3b11';
const other = '7d2f6c1a-1b7e-4c55-8a3e-2a9c4b6e0f22';

/** A value as the first format sealed it: `v1.<iv>.<tag>.<ciphertext>`, no key id, no additional data. */
function sealedAsV1(keyBase64: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url'))].join('.');
}

describe(SecretBox.name, () => {
  const box = new SecretBox(key);
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('round-trips, with its key id and a fresh IV each time', () => {
    const sealed = box.seal(secret, subscription);
    expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret);
    expect(box.open(sealed, subscription)).toBe(secret);
    expect(box.seal(secret, subscription)).not.toBe(sealed);
    expect(new SecretBox(key).open(sealed, subscription)).toBe(secret);
  });

  it('binds the secret to its subscription: sealed for one, it does not open for another', () => {
    const sealed = box.seal(secret, subscription);
    expect(() => box.open(sealed, other)).toThrow(/other subscription/);
  });

  it('opens what the previous key sealed once the key is rotated, and seals with the new one', () => {
    const previous = key;
    const sealedBefore = box.seal(secret, subscription);
    const next = randomBytes(32).toString('base64');
    const rotated = new SecretBox(next, [previous]);
    expect(rotated.open(sealedBefore, subscription)).toBe(secret);
    const sealedAfter = rotated.seal(secret, subscription);
    expect(sealedAfter.split('.')[1]).not.toBe(sealedBefore.split('.')[1]);
    expect(new SecretBox(next).open(sealedAfter, subscription)).toBe(secret);
    expect(() => new SecretBox(next).open(sealedBefore, subscription)).toThrow(/does not hold/);
  });

  it('picks the key by its id, not by trying each', () => {
    const sealed = box.seal(secret, subscription);
    const [, kid] = sealed.split('.');
    const unrelated = new SecretBox(randomBytes(32).toString('base64'), [
      randomBytes(32).toString('base64'),
      key,
    ]);
    expect(unrelated.open(sealed, subscription)).toBe(secret);
    // The same ciphertext under a key id this box holds but that is not its key: refused, not decrypted by another key.
    const ownId = unrelated.seal(secret, subscription).split('.')[1];
    expect(() => unrelated.open(sealed.replace(`.${kid}.`, `.${ownId}.`), subscription)).toThrow(
      /authenticate/,
    );
  });

  it('still opens v1 secrets sealed before the binding, under the current or the previous key', () => {
    expect(box.open(sealedAsV1(key, secret), subscription)).toBe(secret);
    const rotated = new SecretBox(randomBytes(32).toString('base64'), [key]);
    expect(rotated.open(sealedAsV1(key, secret), other)).toBe(secret);
    expect(() =>
      new SecretBox(randomBytes(32).toString('base64')).open(sealedAsV1(key, secret), other),
    ).toThrow(/authenticate/);
  });

  it('detects a change to the IV, the tag or the data', () => {
    const sealed = box.seal(secret, subscription);
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      const tampered = parts.map((part, at) => (at === index ? bytes.toString('base64url') : part)).join('.');
      expect(() => box.open(tampered, subscription)).toThrow(SecretBoxError);
    }
  });

  it('refuses another key, an unknown version and malformed input', () => {
    const sealed = box.seal(secret, subscription);
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, subscription)).toThrow(
      /does not hold/,
    );
    expect(() => box.open(sealed.replace(/^v2\./, 'v3.'), subscription)).toThrow(/known version/);
    expect(() => box.open('whsec_plaintext', subscription)).toThrow(SecretBoxError);
    expect(() => box.open('v1.AAAA.BBBB.CCCC', subscription)).toThrow(/malformed/);
  });

  it('needs 32-byte keys', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => new SecretBox('')).toThrow(SecretBoxError);
    expect(() => new SecretBox(key, [randomBytes(16).toString('base64')])).toThrow(/32 bytes/);
  });
});
