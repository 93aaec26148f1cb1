import {
  API_KEY_MAX_LIFETIME_DAYS,
  apiKeyExpiryFault,
  apiKeyPermits,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  looksLikeApiKey,
  rememberedUntil,
} from './api-key';

describe('api keys', () => {
  it('generates distinct, well-formed keys', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey()));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(looksLikeApiKey(key)).toBe(true);
  });

  it('stores a digest that does not contain the key', () => {
    const key = generateApiKey();
    const digest = hashApiKey(key);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toContain(key.slice(5, 15));
    expect(hashApiKey(key)).toBe(digest);
    expect(apiKeyPrefix(key)).toBe(key.slice(0, 11));
  });

  it('rejects strings that are not hub keys', () => {
    expect(looksLikeApiKey('chub_short')).toBe(false);
    expect(looksLikeApiKey(`xxxx_${'a'.repeat(43)}`)).toBe(false);
  });
});

describe('api key terms', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  const day = 86_400_000;

  it('accepts an expiry after now and at most two years ahead', () => {
    expect(apiKeyExpiryFault(new Date(now + 1000), now)).toBeNull();
    expect(apiKeyExpiryFault(new Date(now + API_KEY_MAX_LIFETIME_DAYS * day), now)).toBeNull();
    expect(apiKeyExpiryFault(new Date(now), now)).toBe('must be in the future');
    expect(apiKeyExpiryFault(new Date(now - day), now)).toBe('must be in the future');
    expect(apiKeyExpiryFault(new Date(now + API_KEY_MAX_LIFETIME_DAYS * day + 1), now)).toBe(
      'must be at most 730 days ahead',
    );
  });

  it('lets a read key use GET and HEAD only, a read-write key everything', () => {
    for (const method of ['GET', 'HEAD']) expect(apiKeyPermits('read', method)).toBe(true);
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'])
      expect(apiKeyPermits('read', method)).toBe(false);
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE'])
      expect(apiKeyPermits('read-write', method)).toBe(true);
  });

  it('remembers a key for cacheMs, never past its own expiry', () => {
    expect(rememberedUntil(now, 5000, null)).toBe(now + 5000);
    expect(rememberedUntil(now, 5000, new Date(now + 60_000))).toBe(now + 5000);
    expect(rememberedUntil(now, 60_000, new Date(now + 3000))).toBe(now + 3000);
  });
});
