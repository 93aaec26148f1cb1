import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the first delay up to the ceiling, and starts again after a reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoff.failures).toBe(6);
    backoff.reset();
    expect(backoff.failures).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('draws up to the jitter share of each delay below its ceiling', () => {
    const low = new Backoff({ initialMs: 1_000, maxMs: 8_000, jitter: 0.5, random: () => 1 });
    const high = new Backoff({ initialMs: 1_000, maxMs: 8_000, jitter: 0.5, random: () => 0 });
    expect([low.next(), low.next()]).toEqual([500, 1_000]);
    expect([high.next(), high.next()]).toEqual([1_000, 2_000]);
  });

  it('spreads instances that failed together', () => {
    const delays = new Set(
      Array.from({ length: 20 }, () => new Backoff({ initialMs: 1_000, maxMs: 1_000 }).next()),
    );
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(800);
      expect(delay).toBeLessThanOrEqual(1_000);
    }
  });

  it('refuses a ceiling below the first delay', () => {
    expect(() => new Backoff({ initialMs: 100, maxMs: 50 })).toThrow(RangeError);
  });
});
