import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares a presented secret with the expected one through their SHA-256 digests: both sides are
 * always 32 bytes, so neither the comparison nor an early length check tells how long the secret
 * is or how much of it matched (the review's H-3 length oracle).
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
  return match ? match[1] : null;
}
