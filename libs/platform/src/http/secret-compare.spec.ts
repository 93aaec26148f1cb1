import { timingSafeEqual } from 'node:crypto';
import { bearerToken, sameSecret } from './secret-compare';

// The real comparison, watched: how often it runs and on what.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

describe(sameSecret.name, () => {
  const expected = 'bootstrap-token-of-thirty-two-chars';

  it('accepts the secret and refuses anything else', () => {
    expect(sameSecret(expected, expected)).toBe(true);
    for (const given of ['', 'b', expected.slice(0, -1), `${expected}x`, expected.toUpperCase()])
      expect(sameSecret(given, expected)).toBe(false);
  });

  it('compares fixed-length digests whatever the length given: no early return on length (H-3)', () => {
    const compare = jest.mocked(timingSafeEqual);
    for (const given of ['x', 'y'.repeat(expected.length), 'z'.repeat(10_000), expected]) {
      compare.mockClear();
      sameSecret(given, expected);
      expect(compare).toHaveBeenCalledTimes(1);
      const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
      expect([a.length, b.length]).toEqual([32, 32]);
    }
  });
});

describe(bearerToken.name, () => {
  it('reads a Bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
