import fc from 'fast-check';
import {
  HANDLING_CODES,
  MEMBER_COUNTRY_REGIONS,
  ORGANIZATION_KINDS,
  WCO_REGIONS,
  type HandlingCode,
  type OrganizationKind,
  type RegionCode,
} from '@hub/contracts';
import { mayRead, readScope, type ReadScope, type ReaderProfile, type RecordAudience } from './handling.rule';

// A handful of codes so that readers and records collide often enough to matter.
const codes = fc.constantFrom(
  'fr-douane',
  'de-zoll',
  'rilo-we',
  'interpol',
  'wco-secretariat',
  'NOT A CODE',
  '',
);
const regions = fc.constantFrom<string>(...WCO_REGIONS, 'atlantis');
const countries = fc.constantFrom('FR', 'KE', 'IR', 'BR', 'TW', 'XK', 'fr');
const operations = fc.constantFrom('COSMO-3', 'COSMO-4', '');

const readers: fc.Arbitrary<ReaderProfile> = fc.record(
  {
    code: codes,
    kind: fc.constantFrom<string>(...ORGANIZATION_KINDS, 'auditor') as fc.Arbitrary<OrganizationKind>,
    country: countries,
    region: regions as fc.Arbitrary<RegionCode>,
    operations: fc.uniqueArray(operations, { maxLength: 2 }),
  },
  { requiredKeys: ['code', 'kind'] },
);

const records: fc.Arbitrary<RecordAudience> = fc.record({
  originator: codes,
  handling: fc.constantFrom<string>(...HANDLING_CODES, 'secret') as fc.Arbitrary<HandlingCode>,
  regions: fc.uniqueArray(regions, { maxLength: 4 }) as fc.Arbitrary<RegionCode[]>,
  recipients: fc.uniqueArray(codes, { maxLength: 3 }),
  excludeOrganizations: fc.uniqueArray(codes, { maxLength: 2 }),
  excludeCountries: fc.uniqueArray(countries, { maxLength: 2 }),
  operation: fc.option(operations, { nil: undefined }),
});

/**
 * The rules as the brief states them, written independently of the implementation: a plain
 * decision table over the reader's standing, with the WCO member list as the only shared data.
 */
function expectedAccess(reader: ReaderProfile, record: RecordAudience): boolean {
  const validCode = /^[a-z0-9][a-z0-9-]{1,39}$/.test(reader.code);
  const validKind = ['member', 'rilo', 'partner', 'secretariat'].includes(reader.kind);
  if (!validCode || !validKind) return false;
  if (reader.code === record.originator) return true;
  // Tip-off protection: kept out by code or registered country, the Secretariat never.
  const excluded =
    record.excludeOrganizations.includes(reader.code) ||
    (reader.country !== undefined && record.excludeCountries.includes(reader.country));
  if (excluded && reader.kind !== 'secretariat') return false;

  const countryRegion =
    reader.country !== undefined
      ? (MEMBER_COUNTRY_REGIONS as Record<string, string>)[reader.country]
      : undefined;
  const memberRegion =
    countryRegion !== undefined && (reader.region === undefined || reader.region === countryRegion)
      ? countryRegion
      : undefined;
  const riloRegion = (WCO_REGIONS as readonly string[]).includes(reader.region ?? '')
    ? reader.region
    : undefined;

  if (record.handling === 'community') return true;
  if (record.handling === 'members') return reader.kind !== 'partner';
  if (record.handling === 'region') {
    if (!record.regions.some((region) => (WCO_REGIONS as readonly string[]).includes(region))) return false;
    if (reader.kind === 'secretariat') return true;
    if (reader.kind === 'member')
      return memberRegion !== undefined && record.regions.includes(memberRegion as RegionCode);
    if (reader.kind === 'rilo') return riloRegion !== undefined && record.regions.includes(riloRegion);
    return false;
  }
  if (record.handling === 'restricted') return record.recipients.includes(reader.code);
  // Issue 15: the Secretariat and the participants of the record's operation, which it must name.
  if (record.handling === 'operation') {
    if (!record.operation) return false;
    return reader.kind === 'secretariat' || (reader.operations ?? []).includes(record.operation);
  }
  return false;
}

/** What a SQL WHERE built from the scope would select, evaluated in memory. */
function scopeSelects(scope: ReadScope, record: RecordAudience): boolean {
  // SQL semantics: a comparison with NULL is never true (COALESCE makes an unknown exclusion false).
  const excluded =
    (scope.excludedCode !== null && record.excludeOrganizations.includes(scope.excludedCode)) ||
    (scope.excludedCountry !== null && record.excludeCountries.includes(scope.excludedCountry));
  return (
    (scope.originatorCode !== null && record.originator === scope.originatorCode) ||
    (!excluded &&
      (scope.handlingAnywhere.includes(record.handling) ||
        (record.handling === 'region' &&
          scope.handlingInRegions !== undefined &&
          record.regions.some((region) => scope.handlingInRegions?.regions.includes(region))) ||
        (record.handling === 'restricted' &&
          scope.recipientCode !== null &&
          record.recipients.includes(scope.recipientCode)) ||
        // body ->> 'operation' IS NOT NULL (the generator's '' stands for a broken one: the rule denies it).
        (record.handling === 'operation' &&
          record.operation !== undefined &&
          record.operation !== '' &&
          (scope.allOperations || scope.operations.includes(record.operation)))))
  );
}

describe('handling rule, property-based', () => {
  it(`${mayRead.name} agrees with the rules as stated`, () => {
    fc.assert(
      fc.property(readers, records, (reader, record) => {
        expect(mayRead(reader, record)).toBe(expectedAccess(reader, record));
      }),
      { numRuns: 5000 },
    );
  });

  it(`${readScope.name} selects exactly the records ${mayRead.name} allows`, () => {
    fc.assert(
      fc.property(readers, records, (reader, record) => {
        expect(scopeSelects(readScope(reader), record)).toBe(mayRead(reader, record));
      }),
      { numRuns: 5000 },
    );
  });

  it('never shows a partner a members or region record it did not write', () => {
    fc.assert(
      fc.property(readers, records, (reader, record) => {
        fc.pre(reader.kind === 'partner' && reader.code !== record.originator);
        fc.pre(record.handling === 'members' || record.handling === 'region');
        expect(mayRead(reader, record)).toBe(false);
      }),
    );
  });
});
