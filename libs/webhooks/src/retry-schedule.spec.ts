import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule, retryDelayMs } from './retry-schedule';

describe(retryDelayMs.name, () => {
  it("follows Standard Webhooks' schedule: ten attempts over a little more than three days", () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
    ]);
    const middle = () => 0.5;
    expect(retryDelayMs(1, DEFAULT_RETRY_SCHEDULE_MS, middle)).toBe(5_000);
    expect(retryDelayMs(9, DEFAULT_RETRY_SCHEDULE_MS, middle)).toBe(86_400_000);
    expect(retryDelayMs(10, DEFAULT_RETRY_SCHEDULE_MS, middle)).toBeNull();
    expect(retryDelayMs(0, DEFAULT_RETRY_SCHEDULE_MS, middle)).toBeNull();
  });

  it('spreads each delay by at most 20 % either way', () => {
    const schedule = [0, 1_000, 60_000];
    expect(retryDelayMs(1, schedule, () => 0)).toBe(800);
    expect(retryDelayMs(1, schedule, () => 0.999999)).toBe(1_200);
    expect(retryDelayMs(2, schedule, () => 0)).toBe(48_000);
    for (let draw = 0; draw < 500; draw += 1) {
      const delay = retryDelayMs(2, schedule)!;
      expect(delay).toBeGreaterThanOrEqual(48_000);
      expect(delay).toBeLessThanOrEqual(72_000);
    }
    expect(retryDelayMs(1, [0, 0])).toBe(0);
  });
});

describe(parseRetrySchedule.name, () => {
  it('reads comma-separated milliseconds', () => {
    expect(parseRetrySchedule('0, 100,200')).toEqual([0, 100, 200]);
  });

  it('refuses anything else', () => {
    for (const text of ['', '1,,2', '-5', '1.5', 'soon'])
      expect(() => parseRetrySchedule(text)).toThrow(RangeError);
  });
});
