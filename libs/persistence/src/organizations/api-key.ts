import { createHash, randomBytes } from 'node:crypto';

const API_KEY_PREFIX = 'chub_';

/** A new API key: 256 random bits, so a plain SHA-256 digest is a safe way to store it. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Shown in listings so an operator can tell keys apart. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 6);
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX) && value.length === API_KEY_PREFIX.length + 43;
}

/** The longest life an expiring key may be given: beyond, rotation is a plan on paper only. */
export const API_KEY_MAX_LIFETIME_DAYS = 730;
const DAY_MS = 86_400_000;

/** Why an expiry cannot be given to a new key (it is past, or too far), or null when it can. */
export function apiKeyExpiryFault(expiresAt: Date, now = Date.now()): string | null {
  if (expiresAt.getTime() <= now) return 'must be in the future';
  if (expiresAt.getTime() > now + API_KEY_MAX_LIFETIME_DAYS * DAY_MS)
    return `must be at most ${API_KEY_MAX_LIFETIME_DAYS} days ahead`;
  return null;
}

/** Reads (GET, HEAD) are what a `read` key may do; every other method writes. */
export function apiKeyPermits(scope: 'read' | 'read-write', method: string): boolean {
  return scope === 'read-write' || method === 'GET' || method === 'HEAD';
}

/**
 * Until when an authenticated key may be answered from memory: cacheMs from now, but never past
 * the key's own expiry, so an expired key is refused from its first instant on.
 */
export function rememberedUntil(now: number, cacheMs: number, keyExpiresAt: Date | null): number {
  return keyExpiresAt ? Math.min(now + cacheMs, keyExpiresAt.getTime()) : now + cacheMs;
}
