import fc from 'fast-check';
import { WCO_REGIONS } from '@hub/contracts';
import type { ReferenceFilter, ReferenceOrganization, ReferenceRecordState } from './reference-rules';

/**
 * Generators of organizations, subscription filters and records (with their revisions and
 * withdrawals), and the request bodies and reference states they stand for. Shared by the
 * property test and the fault suite, so both send what the reference rules describe.
 */
export const COUNTRIES = [
  'FR',
  'DE',
  'TR',
  'KZ',
  'NG',
  'SN',
  'KE',
  'ZA',
  'KR',
  'CN',
  'IR',
  'IN',
  'BR',
  'US',
  'EG',
  'AE',
];
export const GOODS = [
  { hsCode: '284410', category: 'nuclear' },
  { hsCode: '840120', category: 'nuclear' },
  { hsCode: '293100', category: 'chemical' },
  { hsCode: '281210', category: 'chemical' },
  { hsCode: '848180', category: 'dual-use' },
  { hsCode: '880610', category: 'missile' },
  { hsCode: '930690', category: 'conventional-arms' },
  { hsCode: '930120', category: 'conventional-arms' },
  { hsCode: '300215', category: 'biological' },
  { hsCode: '722830', category: 'dual-use' },
] as const;
export const PREFIXES = [
  ...new Set(GOODS.flatMap((good) => [good.hsCode.slice(0, 2), good.hsCode.slice(0, 4), good.hsCode])),
];
export const CATEGORIES = [
  'nuclear',
  'chemical',
  'biological',
  'missile',
  'conventional-arms',
  'dual-use',
  'other',
];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const HANDLINGS = ['community', 'members', 'region', 'restricted'] as const;

export type OrganizationSpec = Omit<ReferenceOrganization, 'code'>;
/** The generated handlings, and 'operation' (the property test files some records under its run's operation). */
export type Handling = (typeof HANDLINGS)[number] | 'operation';

export const organizationSpec: fc.Arbitrary<OrganizationSpec> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(...COUNTRIES).map((country) => ({ kind: 'member' as const, country })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...WCO_REGIONS).map((region) => ({ kind: 'rilo' as const, region })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'partner' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'secretariat' as const }) },
);

const subset = <T>(values: readonly T[], max: number): fc.Arbitrary<T[]> =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max });

export const filterSpec: fc.Arbitrary<ReferenceFilter> = fc.record(
  {
    types: subset(['alert', 'seizure'], 1),
    regions: subset(WCO_REGIONS, 2),
    countries: subset(COUNTRIES, 3),
    hsPrefixes: subset(PREFIXES, 3),
    categories: subset(CATEGORIES, 2),
    minSeverity: fc.constantFrom(...SEVERITIES),
  },
  { requiredKeys: [] },
);

export interface RecordSpec {
  type: 'alert' | 'seizure';
  /** Index of the originating organization. */
  originator: number;
  goods: number[];
  route: [string, string[], string];
  partyCountries: string[];
  seizureCountry: string;
  handling: Handling;
  /** Indexes of the organizations a restricted record names. */
  recipients: number[];
  severity: (typeof SEVERITIES)[number];
  /** What happens after publication: nothing, a revision (new goods and handling), or a withdrawal. */
  then: { kind: 'none' } | { kind: 'revise'; goods: number[]; handling: Handling } | { kind: 'withdraw' };
  /** Indexes of the organizations the originator excludes (never itself, a recipient or the Secretariat). */
  excludeOrganizations: number[];
  /** Countries the originator excludes (never its own). */
  excludeCountries: string[];
}

/**
 * Records of `organizations` organizations; with their specs (`kinds`), one record in four or so
 * also excludes a few of them or a few countries, as the hub accepts them.
 */
export function recordSpec(
  organizations: number,
  kinds?: readonly OrganizationSpec[],
): fc.Arbitrary<RecordSpec> {
  const goods = fc.uniqueArray(fc.nat(GOODS.length - 1), { minLength: 1, maxLength: 3 });
  const rarely = <T>(list: fc.Arbitrary<T[]>): fc.Arbitrary<T[]> =>
    kinds
      ? fc.oneof({ weight: 3, arbitrary: fc.constant<T[]>([]) }, { weight: 1, arbitrary: list })
      : fc.constant([]);
  const base = fc.record({
    type: fc.constantFrom('alert' as const, 'seizure' as const),
    originator: fc.nat(organizations - 1),
    goods,
    route: fc.tuple(
      fc.constantFrom(...COUNTRIES),
      fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 2 }),
      fc.constantFrom(...COUNTRIES),
    ),
    partyCountries: fc.uniqueArray(fc.constantFrom(...COUNTRIES), { maxLength: 2 }),
    seizureCountry: fc.constantFrom(...COUNTRIES),
    handling: fc.constantFrom(...HANDLINGS),
    recipients: fc.uniqueArray(fc.nat(organizations - 1), { minLength: 1, maxLength: 3 }),
    severity: fc.constantFrom(...SEVERITIES),
    then: fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('revise' as const),
          goods,
          handling: fc.constantFrom(...HANDLINGS),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'withdraw' as const }) },
    ),
    excludeOrganizations: rarely(fc.uniqueArray(fc.nat(organizations - 1), { minLength: 1, maxLength: 2 })),
    excludeCountries: rarely(fc.uniqueArray(fc.constantFrom(...COUNTRIES), { minLength: 1, maxLength: 2 })),
  });
  // What the hub refuses is left out: the originator itself or its country, a recipient, the Secretariat.
  return base.map((spec) => ({
    ...spec,
    excludeOrganizations: spec.excludeOrganizations.filter(
      (index) =>
        index !== spec.originator &&
        !spec.recipients.includes(index) &&
        kinds?.[index]?.kind !== 'secretariat',
    ),
    excludeCountries: spec.excludeCountries.filter(
      (country) => country !== kinds?.[spec.originator]?.country,
    ),
  }));
}

/** The submission of a record spec; `codes` are the organizations' codes, by index. */
export function recordBody(
  spec: RecordSpec,
  codes: readonly string[],
  reference: string,
  goods = spec.goods,
  handling = spec.handling,
): Record<string, unknown> {
  const common = {
    reference,
    commodities: goods.map((index) => ({
      hsCode: GOODS[index].hsCode,
      description: `Goods ${GOODS[index].hsCode}`,
      category: GOODS[index].category,
      ...(spec.type === 'seizure' ? { quantity: { value: 10, unit: 'kg' } } : {}),
    })),
    route: { origin: spec.route[0], transit: spec.route[1], destination: spec.route[2] },
    conveyance: 'sea',
    entities: spec.partyCountries.map((country, index) => ({
      name: `Party ${index}`,
      role: 'consignee',
      country,
    })),
    identifiers: [],
    handling,
    ...(handling === 'restricted' ? { recipients: spec.recipients.map((index) => codes[index]) } : {}),
    ...exclusionsOf(spec, codes),
  };
  return spec.type === 'alert'
    ? {
        ...common,
        title: 'Generated alert',
        summary: 'Generated',
        severity: spec.severity,
        kind: 'suspicious-consignment',
        language: 'en',
      }
    : {
        ...common,
        seizedAt: '2026-11-01T10:00:00Z',
        country: spec.seizureCountry,
        customsOffice: 'Generated office',
        locationType: 'seaport',
        detectionMethod: 'risk-profiling',
      };
}

/** The PATCH that revises a record to other goods and another handling rule. */
export function revisionPatch(
  spec: RecordSpec,
  codes: readonly string[],
  goods: number[],
  handling: Handling,
): Record<string, unknown> {
  const next = recordBody(spec, codes, '', goods, handling);
  return { commodities: next.commodities, handling: next.handling, recipients: next.recipients ?? null };
}

/** What the reference rules need to know about one version of a record spec. */
export function recordState(
  spec: RecordSpec,
  originator: ReferenceOrganization,
  codes: readonly string[],
  goods = spec.goods,
  handling = spec.handling,
): ReferenceRecordState {
  return {
    type: spec.type,
    originator,
    handling,
    recipients: handling === 'restricted' ? spec.recipients.map((index) => codes[index]) : [],
    severity: spec.type === 'alert' ? spec.severity : undefined,
    hsCodes: goods.map((index) => GOODS[index].hsCode),
    categories: goods.map((index) => GOODS[index].category),
    namedCountries: [
      spec.route[0],
      ...spec.route[1],
      spec.route[2],
      ...spec.partyCountries,
      ...(spec.type === 'seizure' ? [spec.seizureCountry] : []),
    ],
    ...exclusionsOf(spec, codes),
  };
}

/** The exclusions of a record spec, as the body sends them and the reference reads them (absent when none). */
function exclusionsOf(
  spec: RecordSpec,
  codes: readonly string[],
): { excludeOrganizations?: string[]; excludeCountries?: string[] } {
  const organizations = (spec.excludeOrganizations ?? []).map((index) => codes[index]);
  const countries = spec.excludeCountries ?? [];
  return {
    ...(organizations.length > 0 ? { excludeOrganizations: organizations } : {}),
    ...(countries.length > 0 ? { excludeCountries: countries } : {}),
  };
}
