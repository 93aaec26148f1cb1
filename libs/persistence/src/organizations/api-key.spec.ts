import { apiKeyPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';

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
