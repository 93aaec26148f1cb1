import type { HandlingCode, RegionCode } from '@hub/contracts';
import type { EventFacts } from './event.facts';
import type { FilterCriteria } from './subscription-filter.rule';
import type { ReaderProfile } from './handling.rule';
import { SubscriptionIndex } from './subscription.index';

const france: ReaderProfile = { code: 'fr-douane', kind: 'member', country: 'FR' };
const germany: ReaderProfile = { code: 'de-zoll', kind: 'member', country: 'DE' };
const kenya: ReaderProfile = { code: 'ke-kra', kind: 'member', country: 'KE' };
const iran: ReaderProfile = { code: 'ir-irica', kind: 'member', country: 'IR' };
const riloWe: ReaderProfile = { code: 'rilo-we', kind: 'rilo', region: 'europe' };
const riloAp: ReaderProfile = { code: 'rilo-ap', kind: 'rilo', region: 'asia-pacific' };
const riloEsa: ReaderProfile = { code: 'rilo-esa', kind: 'rilo', region: 'east-southern-africa' };
const secretariat: ReaderProfile = { code: 'wco-secretariat', kind: 'secretariat' };
const interpol: ReaderProfile = { code: 'interpol', kind: 'partner' };
const iaea: ReaderProfile = { code: 'iaea', kind: 'partner' };
const EVERYONE = [france, germany, kenya, iran, riloWe, riloAp, riloEsa, secretariat, interpol, iaea];

/** A uranium seizure in Germany, on its way KZ -> IR (regions europe, asia-pacific). */
function seizure(handling: HandlingCode = 'community', recipients: string[] = []): EventFacts {
  const regions: RegionCode[] = ['asia-pacific', 'europe'];
  return {
    type: 'seizure',
    regions,
    countries: ['DE', 'IR', 'KZ'],
    hsCodes: ['284410'],
    categories: ['nuclear'],
    audience: {
      originator: 'de-zoll',
      handling,
      regions,
      recipients,
      excludeOrganizations: [],
      excludeCountries: [],
    },
  };
}

function sorted(ids: string[]): string[] {
  return [...ids].sort();
}

describe(SubscriptionIndex.name, () => {
  it('matches on every kind of anchor and leaves out filters that do not accept the event', () => {
    const index = new SubscriptionIndex();
    const filters: Record<string, FilterCriteria> = {
      hs: { hsPrefixes: ['2844'] },
      'hs-other': { hsPrefixes: ['2845', '93'] },
      'hs-and-region': { hsPrefixes: ['28'], regions: ['mena'] },
      country: { countries: ['KZ'] },
      category: { categories: ['nuclear', 'chemical'] },
      region: { regions: ['europe'] },
      type: { types: ['seizure'] },
      'type-other': { types: ['alert'] },
      all: {},
      'all-critical': { minSeverity: 'critical' },
    };
    for (const [id, filter] of Object.entries(filters)) index.upsert({ id, subscriber: france, filter });
    expect(index.size).toBe(10);
    expect(sorted(index.match(seizure()))).toEqual(
      sorted(['hs', 'country', 'category', 'region', 'type', 'all', 'all-critical']),
    );
  });

  it('applies minSeverity to alerts through the match-all buckets too', () => {
    const index = new SubscriptionIndex();
    index.upsert({ id: 'any', subscriber: france, filter: {} });
    index.upsert({ id: 'high+', subscriber: france, filter: { minSeverity: 'high' } });
    index.upsert({ id: 'critical', subscriber: france, filter: { minSeverity: 'critical' } });
    const alert = (severity: 'low' | 'high' | 'critical'): EventFacts => ({
      ...seizure(),
      type: 'alert',
      severity,
    });
    expect(sorted(index.match(alert('low')))).toEqual(['any']);
    expect(sorted(index.match(alert('high')))).toEqual(['any', 'high+']);
    expect(sorted(index.match(alert('critical')))).toEqual(['any', 'critical', 'high+']);
    expect(sorted(index.match(seizure()))).toEqual(['any', 'critical', 'high+']);
  });

  it('reports a subscription once even when several of its prefixes fit the event', () => {
    const index = new SubscriptionIndex();
    index.upsert({ id: 'nuclear', subscriber: france, filter: { hsPrefixes: ['28', '2844', '284410'] } });
    const event = { ...seizure(), hsCodes: ['284410', '28443000'] };
    expect(index.match(event)).toEqual(['nuclear']);
    expect(index.lastCandidateCount).toBe(1);
  });

  it('matches prefixes of any length or form exactly as filterAccepts does', () => {
    const index = new SubscriptionIndex();
    const filters: Record<string, FilterCriteria> = {
      empty: { hsPrefixes: [''] },
      'leading-zeros': { hsPrefixes: ['0028'] },
      'ten-digits': { hsPrefixes: ['2844103000'] },
      'nine-digits': { hsPrefixes: ['284410300'] },
      'ten-digits-other': { hsPrefixes: ['2844103001'] },
      letters: { hsPrefixes: ['28x'] },
      'too-long': { hsPrefixes: ['28441030001'] },
    };
    for (const [id, filter] of Object.entries(filters)) index.upsert({ id, subscriber: france, filter });
    expect(sorted(index.match({ ...seizure(), hsCodes: ['2844103000'] }))).toEqual([
      'empty',
      'nine-digits',
      'ten-digits',
    ]);
    expect(sorted(index.match({ ...seizure(), hsCodes: ['28x1'] }))).toEqual(['empty', 'letters']);
    expect(sorted(index.match({ ...seizure(), hsCodes: ['00281234'] }))).toEqual(['empty', 'leading-zeros']);
    expect(index.remove('letters')).toBe(true);
    expect(index.match({ ...seizure(), hsCodes: ['28x1'] })).toEqual(['empty']);
  });

  it('still checks what a subscription filed without its countries or with an unknown severity asks', () => {
    const index = new SubscriptionIndex();
    // 9 prefixes × 8 countries is more placements than the index makes: it files them country-blind.
    const prefixes = ['2844', '2845', '2846', '2847', '2848', '2849', '2850', '2851', '2852'];
    index.upsert({
      id: 'many',
      subscriber: france,
      filter: { hsPrefixes: prefixes, countries: ['FR', 'US', 'CN', 'BR', 'KE', 'TR', 'IN', 'JP'] },
    });
    index.upsert({ id: 'bogus', subscriber: france, filter: { minSeverity: 'bogus' as 'high' } });
    expect(index.match(seizure())).toEqual([]);
    expect(index.lastCandidateCount).toBe(2);
    expect(index.match({ ...seizure(), countries: ['JP'] })).toEqual(['many']);
  });

  it('replaces a subscription on upsert of the same id, everywhere it was filed', () => {
    const index = new SubscriptionIndex();
    index.upsert({ id: 's1', subscriber: france, filter: { hsPrefixes: ['2844'] } });
    index.upsert({ id: 's1', subscriber: france, filter: { countries: ['US'] } });
    expect(index.size).toBe(1);
    expect(index.match(seizure())).toEqual([]);
    expect(index.lastCandidateCount).toBe(0);
    expect(index.match({ ...seizure(), countries: ['US'] })).toEqual(['s1']);

    index.upsert({ id: 's1', subscriber: interpol, filter: { countries: ['US'] } });
    expect(index.match({ ...seizure('members'), countries: ['US'] })).toEqual([]);
  });

  it('removes a subscription from every bucket, and says whether it had one', () => {
    const index = new SubscriptionIndex();
    index.upsert({ id: 'a', subscriber: france, filter: { hsPrefixes: ['2844', '28'] } });
    index.upsert({ id: 'b', subscriber: france, filter: { hsPrefixes: ['2844'] } });
    index.upsert({ id: 'c', subscriber: france, filter: {} });
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(index.remove('c')).toBe(true);
    expect(index.size).toBe(1);
    expect(index.match(seizure())).toEqual(['b']);
    expect(index.remove('b')).toBe(true);
    expect(index.match(seizure())).toEqual([]);
    expect(index.lastCandidateCount).toBe(0);
  });

  it('keeps its own copy of the filter and subscriber', () => {
    const index = new SubscriptionIndex();
    const filter = { countries: ['KZ'] };
    const subscriber: ReaderProfile = { ...france };
    index.upsert({ id: 's', subscriber, filter });
    filter.countries.push('US');
    subscriber.kind = 'partner';
    expect(index.match({ ...seizure('members'), countries: ['US'] })).toEqual([]);
    expect(index.match(seizure('members'))).toEqual(['s']);
  });

  describe('enforces the handling rule: a filter never widens who reads a record', () => {
    function indexOfEveryone(filter: FilterCriteria = {}): SubscriptionIndex {
      const index = new SubscriptionIndex();
      for (const subscriber of EVERYONE) index.upsert({ id: subscriber.code, subscriber, filter });
      return index;
    }
    const codes = (profiles: ReaderProfile[]): string[] => sorted(profiles.map((profile) => profile.code));

    it.each<[string, FilterCriteria]>([
      ['a match-all filter', {}],
      ['an HS filter', { hsPrefixes: ['2844'] }],
      ['a country filter', { countries: ['DE'] }],
    ])('community records reach everyone, members records everyone but partners (%s)', (_label, filter) => {
      const index = indexOfEveryone(filter);
      expect(sorted(index.match(seizure('community')))).toEqual(codes(EVERYONE));
      expect(sorted(index.match(seizure('members')))).toEqual(
        codes(EVERYONE.filter((profile) => profile.kind !== 'partner')),
      );
    });

    it('region records reach members of the concerned regions, their RILOs and the Secretariat only', () => {
      const index = indexOfEveryone({ categories: ['nuclear'] });
      // europe: France and Germany (the originator) ; asia-pacific: Iran.
      expect(sorted(index.match(seizure('region')))).toEqual(
        codes([france, germany, iran, riloWe, riloAp, secretariat]),
      );
    });

    it('restricted records reach the listed recipients and the originator only', () => {
      const index = indexOfEveryone({ regions: ['europe'] });
      expect(sorted(index.match(seizure('restricted', ['iaea', 'rilo-ap'])))).toEqual(
        codes([germany, iaea, riloAp]),
      );
    });

    it('a partner never matches members or region records, whatever its filter', () => {
      const index = new SubscriptionIndex();
      const filters: FilterCriteria[] = [
        {},
        { hsPrefixes: ['28'] },
        { countries: ['DE'] },
        { types: ['seizure'] },
      ];
      filters.forEach((filter, position) =>
        index.upsert({ id: `interpol-${position}`, subscriber: interpol, filter }),
      );
      expect(index.match(seizure('members'))).toEqual([]);
      expect(index.match(seizure('region'))).toEqual([]);
      expect(index.lastCandidateCount).toBe(filters.length);
      expect(index.match(seizure('community'))).toHaveLength(filters.length);
    });
  });
});
