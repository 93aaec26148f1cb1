import { isoDurationMs } from './iso-duration';

describe(isoDurationMs.name, () => {
  it('reads weeks, days and a time part', () => {
    expect(isoDurationMs('PT24H')).toBe(86_400_000);
    expect(isoDurationMs('P3D')).toBe(3 * 86_400_000);
    expect(isoDurationMs('P1DT12H30M')).toBe(86_400_000 + 12 * 3_600_000 + 30 * 60_000);
    expect(isoDurationMs('PT2S')).toBe(2_000);
    expect(isoDurationMs('P2W')).toBe(14 * 86_400_000);
  });

  it('refuses calendar units, empty parts and anything else', () => {
    for (const text of ['P1Y', 'P1M', 'P', 'PT', 'P1DT', 'PT1.5H', '24H', 'pt24h', 'P1W2D', 'PT1H ', '-PT1H'])
      expect(isoDurationMs(text)).toBeNull();
  });
});
