import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** `v1.<iv>.<tag>.<ciphertext>`: the first format, without key id or binding; still opened. */
const LEGACY_FORMAT = 'v1';
/** `v2.<kid>.<iv>.<tag>.<ciphertext>`, bound to its subscription. */
const FORMAT = 'v2';

/** Thrown for a malformed key, or a ciphertext that is malformed, of an unknown version or key, or tampered with. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

interface BoxKey {
  id: string;
  key: Buffer;
}

function boxKey(keyBase64: string): BoxKey {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`the key must be ${KEY_BYTES} bytes, base64-encoded`);
  }
  // Derived from the key, so rotating needs no second variable; 64 bits tell a handful of keys apart and reveal nothing.
  return { id: createHash('sha256').update(key).digest().subarray(0, 8).toString('base64url'), key };
}

/**
 * Encrypts secrets the hub must be able to use again (webhook signing secrets), so they are
 * stored encrypted, never hashed. AES-256-GCM with a random 12-byte IV per value and the owner
 * (the subscription id) as additional authenticated data: a sealed secret copied to another
 * subscription's row does not open there. The result is `v2.<kid>.<iv>.<tag>.<ciphertext>`
 * (base64url); the key id picks the key, so `HUB_SECRET_KEY` can be rotated while the secrets
 * sealed under the one before (`HUB_SECRET_KEY_PREVIOUS`) still open.
 *
 * v1 values (sealed before the binding, no key id) keep opening with any key: the hub cannot
 * re-seal them without their subscriber, and rotating a subscription's secret re-seals it as v2.
 */
export class SecretBox {
  private readonly current: BoxKey;
  private readonly keys: readonly BoxKey[];

  /**
   * @param keyBase64 32 random bytes, base64 (the `HUB_SECRET_KEY` variable; `openssl rand -base64 32`): seals and opens.
   * @param previousBase64 retired keys (`HUB_SECRET_KEY_PREVIOUS`, comma-separated): open only.
   */
  constructor(keyBase64: string, previousBase64: readonly string[] = []) {
    this.current = boxKey(keyBase64);
    this.keys = [this.current, ...previousBase64.map(boxKey)];
  }

  seal(plaintext: string, owner: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      this.current.id,
      ...[iv, cipher.getAuthTag(), data].map((part) => part.toString('base64url')),
    ].join('.');
  }

  open(ciphertext: string, owner: string): string {
    const parts = ciphertext.split('.');
    if (parts[0] === FORMAT && parts.length === 5) {
      const key = this.keys.find((candidate) => candidate.id === parts[1]);
      if (!key) throw new SecretBoxError('sealed under a key this process does not hold');
      return decrypt(key.key, parts.slice(2), Buffer.from(owner, 'utf8'));
    }
    if (parts[0] === LEGACY_FORMAT && parts.length === 4) {
      let failure: unknown;
      for (const key of this.keys) {
        try {
          return decrypt(key.key, parts.slice(1), null);
        } catch (error) {
          failure = error;
        }
      }
      throw failure;
    }
    throw new SecretBoxError('not a sealed secret of a known version');
  }
}

function decrypt(key: Buffer, encoded: readonly string[], aad: Buffer | null): string {
  const [iv, tag, data] = encoded.map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretBoxError('malformed sealed secret');
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    // GCM's tag check: a wrong key, another owner or a changed byte anywhere ends here.
    throw new SecretBoxError(
      'sealed secret does not authenticate (wrong key, other subscription or tampered)',
    );
  }
}
