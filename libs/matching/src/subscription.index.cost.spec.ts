import { STRATEGIC_CATEGORIES, WCO_REGIONS } from '@hub/contracts';
import type { EventFacts } from './event.facts';
import type { FilterCriteria } from './subscription-filter.rule';
import type { ReaderProfile } from './handling.rule';
import { SubscriptionIndex } from './subscription.index';

// The index must do work in proportion to the subscriptions an event concerns, not to all of them.
// lastCandidateCount counts the subscriptions match() verified for the last event.

const member: ReaderProfile = { code: 'fr-douane', kind: 'member', country: 'FR' };

/** A uranium seizure in Germany, KZ -> DE: selective (one HS code, two countries, one category). */
const event: EventFacts = {
  type: 'seizure',
  regions: ['asia-pacific', 'europe'],
  countries: ['DE', 'KZ'],
  hsCodes: ['284410'],
  categories: ['nuclear'],
  audience: {
    originator: 'de-zoll',
    handling: 'community',
    regions: ['asia-pacific', 'europe'],
    recipients: [],
    excludeOrganizations: [],
    excludeCountries: [],
  },
};

/** Subscriptions that want this event, through each kind of anchor. */
const WANTED: Record<string, FilterCriteria> = {
  'want-chapter': { hsPrefixes: ['28'] },
  'want-heading': { hsPrefixes: ['2844', '9301'] },
  'want-code': { hsPrefixes: ['284410'], regions: ['europe'] },
  'want-country': { countries: ['KZ', 'CN'] },
  'want-category': { categories: ['nuclear'], types: ['seizure'] },
};
/** Subscriptions filed where the event looks, but which a detail rules out: verified, then refused. */
const NEAR_MISSES: Record<string, FilterCriteria> = {
  'miss-type': { hsPrefixes: ['2844'], types: ['alert'] },
  'miss-region': { countries: ['DE'], regions: ['mena'] },
};

/** A deterministic pseudo-random sequence (mulberry32), so the noise is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OTHER_COUNTRIES = ['FR', 'US', 'CN', 'IR', 'AE', 'BR', 'KE', 'TR', 'IN', 'JP', 'ZA', 'NG', 'MX', 'PK'];
const OTHER_REGIONS = WCO_REGIONS.filter((region) => !event.regions.includes(region));
const OTHER_CATEGORIES = STRATEGIC_CATEGORIES.filter((category) => !event.categories.includes(category));

/**
 * Subscriptions about other things, anchored in every dimension: other chapters, other headings of
 * chapter 28 (they share the trie path '2', '28' with the event), other countries, categories,
 * regions, alerts only. Many also name one of the event's own facts in a non-anchor field, which a
 * scan would have to look at and the index never does.
 */
function noise(count: number): { id: string; filter: FilterCriteria }[] {
  const next = random(count);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const digits = (length: number): string =>
    Array.from({ length }, () => String(Math.floor(next() * 10))).join('');
  const otherHsPrefix = (): string => {
    if (next() < 0.3) return `28${pick(['12', '45', '46', '47', '53'])}${digits(Math.floor(next() * 3))}`;
    let chapter = '28';
    while (chapter === '28' || chapter === '77')
      chapter = String(1 + Math.floor(next() * 97)).padStart(2, '0');
    return chapter + digits(Math.floor(next() * 5));
  };
  const sharedFact = (): FilterCriteria =>
    next() < 0.5 ? { regions: ['europe'] } : { categories: ['nuclear'] };
  return Array.from({ length: count }, (_, position) => {
    const shape = position % 5;
    let filter: FilterCriteria;
    if (shape === 0) filter = { hsPrefixes: [otherHsPrefix(), otherHsPrefix()], ...sharedFact() };
    else if (shape === 1) filter = { countries: [pick(OTHER_COUNTRIES)], ...sharedFact() };
    else if (shape === 2) filter = { categories: [pick(OTHER_CATEGORIES)], regions: ['europe'] };
    else if (shape === 3) filter = { regions: [pick(OTHER_REGIONS)] };
    else filter = { types: ['alert'], minSeverity: pick(['high', 'critical'] as const) };
    return { id: `noise-${position}`, filter };
  });
}

function indexWith(noiseCount: number): SubscriptionIndex {
  const index = new SubscriptionIndex();
  for (const { id, filter } of noise(noiseCount)) index.upsert({ id, subscriber: member, filter });
  for (const [id, filter] of Object.entries({ ...WANTED, ...NEAR_MISSES }))
    index.upsert({ id, subscriber: member, filter });
  return index;
}

describe(`${SubscriptionIndex.name} cost`, () => {
  const sizes = [1_000, 10_000];
  const runs = sizes.map((size) => {
    const index = indexWith(size);
    const matched = index.match(event).sort();
    return { size, index, matched, candidates: index.lastCandidateCount };
  });

  it.each(runs.map((run) => [run.size, run] as const))(
    'with %i other subscriptions, verifies only the wanted ones and a constant number of near misses',
    (_size, run) => {
      expect(run.index.size).toBe(run.size + Object.keys(WANTED).length + Object.keys(NEAR_MISSES).length);
      expect(run.matched).toEqual(Object.keys(WANTED).sort());
      expect(run.candidates).toBeLessThanOrEqual(run.matched.length + Object.keys(NEAR_MISSES).length);
      expect(run.candidates).toBeGreaterThanOrEqual(run.matched.length);
    },
  );

  it('verifies as many candidates with 10x the subscriptions', () => {
    expect(runs[1].size).toBe(10 * runs[0].size);
    expect(runs[1].candidates).toBe(runs[0].candidates);
  });

  it('looks at a subscription to the same goods only when the event concerns one of its countries', () => {
    const index = new SubscriptionIndex();
    for (const [position, country] of OTHER_COUNTRIES.entries()) {
      if (event.countries.includes(country)) continue;
      for (let copy = 0; copy < 50; copy += 1)
        index.upsert({
          id: `elsewhere-${position}-${copy}`,
          subscriber: member,
          filter: { hsPrefixes: ['2844'], countries: [country] },
        });
    }
    index.upsert({
      id: 'here',
      subscriber: member,
      filter: { hsPrefixes: ['2844'], countries: ['US', 'KZ'] },
    });
    index.upsert({ id: 'anywhere', subscriber: member, filter: { hsPrefixes: ['284410'] } });
    expect(index.match(event).sort()).toEqual(['anywhere', 'here']);
    expect(index.lastCandidateCount).toBe(2);
    expect(index.match({ ...event, countries: ['KZ'] }).sort()).toEqual(['anywhere', 'here']);
    expect(index.lastCandidateCount).toBe(2);
    // Control: an event concerning the other countries does reach their subscriptions.
    expect(index.match({ ...event, countries: ['FR'] })).toHaveLength(51);
    expect(index.remove('here')).toBe(true);
    expect(index.match(event)).toEqual(['anywhere']);
    expect(index.lastCandidateCount).toBe(1);
  });

  it('is not a scan: an event the noise is about does reach the noise', () => {
    // Control: the same index verifies thousands of candidates when an event concerns them, so
    // the small count above comes from the event, not from a counter that never moves.
    const broad: EventFacts = {
      ...event,
      type: 'alert',
      severity: 'critical',
      regions: [...WCO_REGIONS],
      countries: OTHER_COUNTRIES,
      categories: [...STRATEGIC_CATEGORIES],
    };
    const index = runs[1].index;
    const matched = index.match(broad);
    expect(index.lastCandidateCount).toBeGreaterThan(runs[1].size / 2);
    expect(matched.length).toBeGreaterThan(runs[1].size / 2);
  });
});
