import fc from 'fast-check';
import {
  HANDLING_CODES,
  MEMBER_COUNTRY_REGIONS,
  ORGANIZATION_KINDS,
  RECORD_TYPES,
  SEVERITIES,
  STRATEGIC_CATEGORIES,
  WCO_REGIONS,
  type HandlingCode,
  type OrganizationKind,
  type RegionCode,
  type Severity,
} from '@hub/contracts';
import type { EventFacts } from './event.facts';
import type { ReaderProfile, RecordAudience } from './handling.rule';
import type { FilterCriteria } from './subscription-filter.rule';
import { SubscriptionIndex, type IndexedSubscription } from './subscription.index';

// Small pools, so that subscriptions, events and readers collide often enough to matter.
const orgCodes = [
  'fr-douane',
  'de-zoll',
  'ke-kra',
  'ir-irica',
  'rilo-we',
  'rilo-ap',
  'wco-secretariat',
  'interpol',
  'iaea',
  'NOT A CODE',
];
const countryPool = ['FR', 'DE', 'KE', 'IR', 'BR', 'KZ', 'TW', 'US'];
const chapters = ['28', '84', '93'];
const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom('0', '1', '2'), { minLength: min, maxLength: max }).map((list) => list.join(''));
const hsPrefix = fc
  .tuple(fc.constantFrom(...chapters), digits(0, 4))
  .map(([chapter, rest]) => chapter + rest);
const hsCode = fc.tuple(fc.constantFrom(...chapters), digits(4, 6)).map(([chapter, rest]) => chapter + rest);

const subscribers: fc.Arbitrary<ReaderProfile> = fc.record(
  {
    code: fc.constantFrom(...orgCodes),
    kind: fc.constantFrom<string>(...ORGANIZATION_KINDS, 'auditor') as fc.Arbitrary<OrganizationKind>,
    country: fc.constantFrom(...countryPool, 'fr'),
    region: fc.constantFrom<string>(...WCO_REGIONS, 'atlantis') as fc.Arbitrary<RegionCode>,
  },
  { requiredKeys: ['code', 'kind'] },
);

/** Present in about one filter out of three, so that filters combine a few criteria at most. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

// Lists may come out empty: such a (malformed) filter must match nothing in both implementations.
const filters: fc.Arbitrary<FilterCriteria> = fc
  .record({
    types: sometimes(fc.uniqueArray(fc.constantFrom(...RECORD_TYPES), { maxLength: 2 })),
    regions: sometimes(fc.uniqueArray(fc.constantFrom(...WCO_REGIONS), { maxLength: 3 })),
    countries: sometimes(fc.uniqueArray(fc.constantFrom(...countryPool), { maxLength: 3 })),
    hsPrefixes: sometimes(fc.uniqueArray(hsPrefix, { maxLength: 3 })),
    categories: sometimes(fc.uniqueArray(fc.constantFrom(...STRATEGIC_CATEGORIES), { maxLength: 3 })),
    minSeverity: sometimes(fc.constantFrom(...SEVERITIES)),
  })
  .map(
    (filter) =>
      Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as FilterCriteria,
  );

/** A list in about one event out of four, empty otherwise. */
function rarely<T>(arbitrary: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant<T[]>([]) }, { weight: 1, arbitrary });
}

const ids = fc.integer({ min: 0, max: 299 }).map((n) => `sub-${n}`);

type Operation = { op: 'upsert'; subscription: IndexedSubscription } | { op: 'remove'; id: string };
const operations: fc.Arbitrary<Operation[]> = fc.array(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({ id: ids, subscriber: subscribers, filter: filters })
        .map((s) => ({ op: 'upsert' as const, subscription: s })),
    },
    { weight: 1, arbitrary: ids.map((id) => ({ op: 'remove' as const, id })) },
  ),
  { minLength: 200, maxLength: 500 },
);

const events: fc.Arbitrary<EventFacts> = fc
  .record({
    type: fc.constantFrom(...RECORD_TYPES),
    regions: fc.uniqueArray(fc.constantFrom(...WCO_REGIONS), { maxLength: 3 }),
    countries: fc.uniqueArray(fc.constantFrom(...countryPool), { maxLength: 4 }),
    hsCodes: fc.uniqueArray(hsCode, { minLength: 1, maxLength: 3 }),
    categories: fc.uniqueArray(fc.constantFrom(...STRATEGIC_CATEGORIES), { minLength: 1, maxLength: 3 }),
    severity: fc.option(fc.constantFrom(...SEVERITIES), { freq: 8 }),
    originator: fc.constantFrom(...orgCodes),
    handling: fc.constantFrom<string>(...HANDLING_CODES, 'secret') as fc.Arbitrary<HandlingCode>,
    recipients: fc.uniqueArray(fc.constantFrom(...orgCodes), { maxLength: 3 }),
    // Mostly empty, so that exclusions bite now and then without hiding everything.
    excludeOrganizations: rarely(
      fc.uniqueArray(fc.constantFrom(...orgCodes), { minLength: 1, maxLength: 2 }),
    ),
    excludeCountries: rarely(fc.uniqueArray(fc.constantFrom(...countryPool), { minLength: 1, maxLength: 2 })),
  })
  .map(
    ({ severity, originator, handling, recipients, excludeOrganizations, excludeCountries, ...facts }) => ({
      ...facts,
      ...(facts.type === 'alert' && severity !== null ? { severity } : {}),
      audience: {
        originator,
        handling,
        regions: facts.regions,
        recipients,
        excludeOrganizations,
        excludeCountries,
      },
    }),
  );

// ---- The reference: a linear scan over the rules as the brief states them, written from scratch. ----

const SEVERITY_ORDER: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

function listMatches<T>(wanted: readonly T[] | undefined, present: readonly T[]): boolean {
  return wanted === undefined || wanted.some((value) => present.includes(value));
}

function referenceWants(filter: FilterCriteria, event: EventFacts): boolean {
  if (filter.types !== undefined && !filter.types.some((type) => type === event.type)) return false;
  if (!listMatches(filter.regions, event.regions)) return false;
  if (!listMatches(filter.countries, event.countries)) return false;
  if (!listMatches(filter.categories, event.categories)) return false;
  if (
    filter.hsPrefixes !== undefined &&
    !filter.hsPrefixes.some((prefix) => event.hsCodes.some((code) => code.slice(0, prefix.length) === prefix))
  )
    return false;
  if (filter.minSeverity !== undefined && event.type === 'alert') {
    if (event.severity === undefined) return false;
    if (SEVERITY_ORDER[event.severity] < SEVERITY_ORDER[filter.minSeverity]) return false;
  }
  return true;
}

function referenceMayRead(reader: ReaderProfile, record: RecordAudience): boolean {
  if (!/^[a-z0-9][a-z0-9-]{1,39}$/.test(reader.code)) return false;
  if (!['member', 'rilo', 'partner', 'secretariat'].includes(reader.kind)) return false;
  if (reader.code === record.originator) return true;
  if (
    reader.kind !== 'secretariat' &&
    (record.excludeOrganizations.includes(reader.code) ||
      (reader.country !== undefined && record.excludeCountries.includes(reader.country)))
  )
    return false;
  if (record.handling === 'community') return true;
  if (record.handling === 'members') return reader.kind !== 'partner';
  if (record.handling === 'restricted') return record.recipients.includes(reader.code);
  if (record.handling !== 'region') return false;
  const known = record.regions.filter((region) => (WCO_REGIONS as readonly string[]).includes(region));
  if (known.length === 0) return false;
  if (reader.kind === 'secretariat') return true;
  if (reader.kind === 'rilo') return reader.region !== undefined && known.includes(reader.region);
  if (reader.kind !== 'member' || reader.country === undefined) return false;
  const home = (MEMBER_COUNTRY_REGIONS as Record<string, RegionCode | undefined>)[reader.country];
  if (home === undefined || (reader.region !== undefined && reader.region !== home)) return false;
  return known.includes(home);
}

function referenceMatch(live: ReadonlyMap<string, IndexedSubscription>, event: EventFacts): string[] {
  return [...live.values()]
    .filter((s) => referenceWants(s.filter, event) && referenceMayRead(s.subscriber, event.audience))
    .map((s) => s.id)
    .sort();
}

describe(`${SubscriptionIndex.name}, property-based`, () => {
  it('matches exactly what a linear scan over the stated rules matches, through upserts and removals', () => {
    let matched = 0;
    let eventsWithoutMatch = 0;
    fc.assert(
      fc.property(operations, fc.array(events, { minLength: 10, maxLength: 20 }), (ops, sample) => {
        const index = new SubscriptionIndex();
        const live = new Map<string, IndexedSubscription>();
        for (const operation of ops) {
          if (operation.op === 'upsert') {
            index.upsert(operation.subscription);
            live.set(operation.subscription.id, operation.subscription);
          } else {
            expect(index.remove(operation.id)).toBe(live.delete(operation.id));
          }
        }
        expect(index.size).toBe(live.size);
        for (const event of sample) {
          const expected = referenceMatch(live, event);
          const actual = index.match(event);
          expect([...actual].sort()).toEqual(expected);
          expect(new Set(actual).size).toBe(actual.length);
          matched += expected.length;
          if (expected.length === 0) eventsWithoutMatch += 1;
        }
      }),
      { numRuns: 60 },
    );
    // The generators must exercise both outcomes, or the comparison proves little.
    expect(matched).toBeGreaterThan(2000);
    expect(eventsWithoutMatch).toBeGreaterThan(5);
  });
});
