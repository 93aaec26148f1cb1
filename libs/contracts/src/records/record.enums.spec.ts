import { SEVERITIES, severityRank, type Severity } from './record.enums';

describe(severityRank.name, () => {
  it('orders low < medium < high < critical', () => {
    const ranks = (['low', 'medium', 'high', 'critical'] as const).map(severityRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(SEVERITIES.length);
    expect(severityRank('critical')).toBeGreaterThan(severityRank('low'));
  });

  it('ranks anything else below every severity', () => {
    expect(severityRank('urgent' as Severity)).toBeLessThan(severityRank('low'));
  });
});
