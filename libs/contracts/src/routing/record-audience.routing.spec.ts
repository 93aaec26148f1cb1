import { validAlert, validSeizure } from '../testing/record.fixtures';
import { concernedCountries, concernedRegions, routingFacts } from './record-audience.routing';

describe(concernedCountries.name, () => {
  it('collects originator, route, parties and the seizure country, sorted and unique', () => {
    const seizure = {
      ...validSeizure(),
      entities: [
        { name: 'A', role: 'consignor' as const, country: 'KZ' },
        { name: 'B', role: 'carrier' as const, country: 'TW' },
      ],
    };
    expect(concernedCountries({ record: seizure, originatorCountry: 'DE' })).toEqual([
      'BR',
      'DE',
      'KZ',
      'TW',
    ]);
  });

  it('takes transit countries and works without a route', () => {
    expect(concernedCountries({ record: validAlert() })).toEqual(['AE', 'CN', 'IR']);
    const { route: _route, entities: _entities, ...withoutRoute } = validAlert();
    expect(concernedCountries({ record: withoutRoute })).toEqual([]);
  });

  it('ignores an originator country that is not an ISO code', () => {
    expect(concernedCountries({ record: validAlert(), originatorCountry: 'XK' })).toEqual(['AE', 'CN', 'IR']);
  });
});

describe(concernedRegions.name, () => {
  it('maps member countries to WCO regions, sorted and unique', () => {
    // CN and IR are Asia/Pacific members, AE is in MENA, the originator FR in Europe.
    expect(concernedRegions({ record: validAlert(), originatorCountry: 'FR' })).toEqual([
      'asia-pacific',
      'europe',
      'mena',
    ]);
  });

  it('lets non-members contribute nothing', () => {
    const alert = { ...validAlert(), route: { origin: 'TW', destination: 'KP' }, entities: [] };
    expect(concernedRegions({ record: alert })).toEqual([]);
    expect(concernedCountries({ record: alert })).toEqual(['KP', 'TW']);
  });

  it("adds a RILO originator's region, which has no country", () => {
    const alert = { ...validAlert(), route: { origin: 'TW', destination: 'KP' }, entities: [] };
    expect(concernedRegions({ record: alert, originatorRegion: 'west-central-africa' })).toEqual([
      'west-central-africa',
    ]);
    expect(concernedRegions({ record: alert, originatorRegion: 'atlantis' as never })).toEqual([]);
  });
});

describe(routingFacts.name, () => {
  it('lists HS codes and categories of all commodity lines, sorted and unique', () => {
    const alert = validAlert();
    const record = {
      ...alert,
      commodities: [
        ...alert.commodities,
        { hsCode: '848180', description: 'more valves', category: 'dual-use' as const },
      ],
    };
    expect(routingFacts(record)).toEqual({
      hsCodes: ['28121900', '848180'],
      categories: ['chemical', 'dual-use'],
    });
  });
});
