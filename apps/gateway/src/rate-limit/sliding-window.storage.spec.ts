import { ThrottlerStorageService } from '@nestjs/throttler';
import fc from 'fast-check';
import { SlidingWindowStorage } from './sliding-window.storage';

describe(SlidingWindowStorage.name, () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-01T09:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  const step = fc.record({
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 5000 })),
    key: fc.constantFrom('organization:a', 'organization:b', 'anonymous:127.0.0.1'),
  });

  it('answers every hit as @nestjs/throttler’s own storage does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(0, 3000),
        fc.array(step, { minLength: 1, maxLength: 300 }),
        async (limit, blockDuration, steps) => {
          const reference = new ThrottlerStorageService();
          const storage = new SlidingWindowStorage();
          try {
            for (const { advanceMs, key } of steps) {
              jest.advanceTimersByTime(advanceMs);
              const expected = await reference.increment(key, 2000, limit, blockDuration, 'budget');
              expect(await storage.increment(key, 2000, limit, blockDuration, 'budget')).toEqual(expected);
            }
          } finally {
            reference.onApplicationShutdown();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('forgets idle windows when it sweeps', async () => {
    const storage = new SlidingWindowStorage();
    await storage.increment('anonymous:10.0.0.1', 1000, 5, 0, 'anonymous');
    await storage.increment('organization:a', 60_000, 5, 0, 'organization');
    jest.advanceTimersByTime(1500);
    storage.sweep();
    expect(storage.size).toBe(1);
  });

  it('tells whether a budget is blocked, without counting a hit', async () => {
    const storage = new SlidingWindowStorage();
    const hit = () => storage.increment('anonymous:10.0.0.1', 60_000, 2, 60_000, 'anonymous');
    await hit();
    await hit();
    expect(storage.isBlocked('anonymous:10.0.0.1', 'anonymous')).toBe(false);
    expect((await hit()).isBlocked).toBe(true);
    for (let look = 0; look < 5; look += 1)
      expect(storage.isBlocked('anonymous:10.0.0.1', 'anonymous')).toBe(true);
    expect(storage.isBlocked('anonymous:10.0.0.2', 'anonymous')).toBe(false);
    jest.advanceTimersByTime(60_000);
    expect(storage.isBlocked('anonymous:10.0.0.1', 'anonymous')).toBe(false);
    expect((await hit()).isBlocked).toBe(false);
  });
});
