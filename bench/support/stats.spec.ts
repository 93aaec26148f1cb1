import { mean, median, percentile, slope } from './stats';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of unsorted observations', () => {
    const values = [5, 1, 4, 2, 3];
    expect(median(values)).toBe(3);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 99)).toBe(5);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([], 50)).toBeNaN();
  });

  it('averages and fits a least-squares slope', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(slope([0, 1, 2, 3].map((x) => ({ x, y: 2 * x + 7 })))).toBeCloseTo(2);
    expect(slope([{ x: 1, y: 5 }])).toBe(0);
  });
});
