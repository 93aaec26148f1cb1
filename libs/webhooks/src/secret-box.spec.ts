import { randomBytes } from 'node:crypto';
import { SecretBox, SecretBoxError } from './secret-box';

const key = randomBytes(32).toString('base64');

describe(SecretBox.name, () => {
  const box = new SecretBox(key);
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('round-trips, with a fresh IV each time', () => {
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret);
    expect(box.open(sealed)).toBe(secret);
    expect(box.seal(secret)).not.toBe(sealed);
    expect(new SecretBox(key).open(sealed)).toBe(secret);
  });

  it('detects a change to the IV, the tag or the data', () => {
    const sealed = box.seal(secret);
    const parts = sealed.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      const tampered = parts.map((part, at) => (at === index ? bytes.toString('base64url') : part)).join('.');
      expect(() => box.open(tampered)).toThrow(SecretBoxError);
    }
  });

  it('refuses another key, an unknown version and malformed input', () => {
    const sealed = box.seal(secret);
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow(/authenticate/);
    expect(() => box.open(sealed.replace(/^v1\./, 'v2.'))).toThrow(/known version/);
    expect(() => box.open('whsec_plaintext')).toThrow(SecretBoxError);
    expect(() => box.open('v1.AAAA.BBBB.CCCC')).toThrow(/malformed/);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => new SecretBox('')).toThrow(SecretBoxError);
  });
});
