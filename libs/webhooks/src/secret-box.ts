import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** Thrown for a malformed key, or a ciphertext that is malformed, of an unknown version, or tampered with. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/**
 * Encrypts secrets the hub must be able to use again (webhook signing secrets), so they are
 * stored encrypted, never hashed. AES-256-GCM with a random 12-byte IV per value; the result is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url), the version leaving room for another scheme or key.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** @param keyBase64 32 random bytes, base64 (the `HUB_SECRET_KEY` variable; `openssl rand -base64 32`). */
  constructor(keyBase64: string) {
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new SecretBoxError(`the key must be ${KEY_BYTES} bytes, base64-encoded`);
    }
    this.key = key;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(ciphertext: string): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) {
      throw new SecretBoxError('not a sealed secret of a known version');
    }
    const [iv, tag, data] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('malformed sealed secret');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      // GCM's tag check: a wrong key or a changed byte anywhere ends here.
      throw new SecretBoxError('sealed secret does not authenticate (wrong key or tampered)');
    }
  }
}
