import { matchesTaxiiFilter, parseTaxiiQuery } from './taxii-query';

describe(parseTaxiiQuery.name, () => {
  it('reads the parameters a TAXII client sends', () => {
    expect(
      parseTaxiiQuery({
        added_after: '2026-03-01T09:00:00.123456Z',
        limit: '5',
        next: 'abc_-1',
        'match[type]': 'report,note',
        'match[version]': 'all',
      }).query,
    ).toEqual({
      addedAfter: '2026-03-01T09:00:00.123456Z',
      limit: 5,
      next: 'abc_-1',
      match: { ids: null, types: ['report', 'note'], versions: ['all'], specVersions: null },
    });
    expect(parseTaxiiQuery({}).query).toMatchObject({
      addedAfter: null,
      limit: 100,
      next: null,
      match: { versions: ['last'] },
    });
    expect(parseTaxiiQuery({ limit: '99999' }).query?.limit).toBe(1000);
    expect(parseTaxiiQuery({ 'match[type]': ['report', 'note'] }).query?.match.types).toEqual([
      'report',
      'note',
    ]);
  });

  it.each([
    [{ added_after: 'yesterday' }, 'added_after'],
    [{ added_after: '2026-13-01T00:00:00Z' }, 'added_after'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '-1' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    [{ next: 'not a token!' }, 'next'],
    [{ 'match[id]': 'report' }, 'match[id]'],
    [{ 'match[type]': 'Report' }, 'match[type]'],
    [{ 'match[version]': 'newest' }, 'match[version]'],
    [{ 'match[spec_version]': 'two' }, 'match[spec_version]'],
    [{ 'match[typ]': 'report' }, 'match[typ]'],
  ])('names the bad parameter of %p', (raw, parameter) => {
    const { query, faults } = parseTaxiiQuery(raw);
    expect(query).toBeUndefined();
    expect(faults.map((fault) => fault.parameter)).toEqual([parameter]);
  });
});

describe(matchesTaxiiFilter.name, () => {
  const report = {
    type: 'report',
    id: 'report--1',
    spec_version: '2.1',
    modified: '2026-03-01T09:00:00.000Z',
  };
  const all = { ids: null, types: null, versions: ['last'], specVersions: null };

  it('filters on id, type, version and spec version', () => {
    expect(matchesTaxiiFilter(report, all)).toBe(true);
    expect(matchesTaxiiFilter(report, { ...all, types: ['note'] })).toBe(false);
    expect(matchesTaxiiFilter(report, { ...all, ids: ['report--1'] })).toBe(true);
    expect(matchesTaxiiFilter(report, { ...all, versions: ['2026-03-01T09:00:00Z'] })).toBe(true);
    expect(matchesTaxiiFilter(report, { ...all, versions: ['2026-03-02T09:00:00Z'] })).toBe(false);
    expect(matchesTaxiiFilter(report, { ...all, specVersions: ['2.0'] })).toBe(false);
  });
});
