import type { PublishedAlert, PublishedSeizureNotice, Severity } from '@hub/contracts';
import { eventFactsOf, type EventFacts } from './event.facts';
import { filterAccepts, type FilterCriteria } from './subscription-filter.rule';

/** An alert on valves and phosphorus chlorides routed CN -> AE -> IR. */
const alert: EventFacts = {
  type: 'alert',
  regions: ['asia-pacific', 'mena'],
  countries: ['AE', 'CN', 'IR'],
  hsCodes: ['28121900', '848180'],
  categories: ['chemical', 'dual-use'],
  severity: 'high',
  audience: {
    originator: 'fr-douane',
    handling: 'community',
    regions: ['asia-pacific', 'mena'],
    recipients: [],
    excludeOrganizations: [],
    excludeCountries: [],
  },
};

/** A seizure of uranium compounds in Germany, KZ -> BR. */
const seizure: EventFacts = {
  type: 'seizure',
  regions: ['americas', 'europe'],
  countries: ['BR', 'DE', 'KZ'],
  hsCodes: ['284410'],
  categories: ['nuclear'],
  audience: {
    originator: 'de-zoll',
    handling: 'community',
    regions: ['americas', 'europe'],
    recipients: [],
    excludeOrganizations: [],
    excludeCountries: [],
  },
};

describe(filterAccepts.name, () => {
  it('accepts everything with an empty filter', () => {
    expect(filterAccepts({}, alert)).toBe(true);
    expect(filterAccepts({}, seizure)).toBe(true);
  });

  it.each<[string, FilterCriteria, FilterCriteria]>([
    ['types', { types: ['alert'] }, { types: ['seizure'] }],
    ['regions', { regions: ['europe', 'mena'] }, { regions: ['europe', 'americas'] }],
    ['countries', { countries: ['FR', 'IR'] }, { countries: ['FR', 'DE'] }],
    ['HS chapter', { hsPrefixes: ['84'] }, { hsPrefixes: ['85'] }],
    ['HS heading among others', { hsPrefixes: ['9301', '2812'] }, { hsPrefixes: ['9301', '2844'] }],
    ['full HS code', { hsPrefixes: ['848180'] }, { hsPrefixes: ['848181'] }],
    ['categories', { categories: ['missile', 'dual-use'] }, { categories: ['missile', 'nuclear'] }],
    ['minSeverity', { minSeverity: 'high' }, { minSeverity: 'critical' }],
  ])('matches on %s: any listed value will do, none of them will not', (_label, matching, missing) => {
    expect(filterAccepts(matching, alert)).toBe(true);
    expect(filterAccepts(missing, alert)).toBe(false);
  });

  it('matches an HS prefix on the start of a code only, on any of the commodities', () => {
    expect(filterAccepts({ hsPrefixes: ['2812'] }, alert)).toBe(true);
    expect(filterAccepts({ hsPrefixes: ['1219'] }, alert)).toBe(false);
    expect(filterAccepts({ hsPrefixes: ['84818000'] }, alert)).toBe(false);
  });

  it('requires every field present to match (AND)', () => {
    const filter: FilterCriteria = {
      types: ['alert'],
      regions: ['mena'],
      hsPrefixes: ['2812'],
      minSeverity: 'medium',
    };
    expect(filterAccepts(filter, alert)).toBe(true);
    for (const spoiler of [
      { types: ['seizure'] },
      { regions: ['europe'] },
      { countries: ['DE'] },
      { hsPrefixes: ['9301'] },
      { categories: ['nuclear'] },
      { minSeverity: 'critical' },
    ] as FilterCriteria[]) {
      expect(filterAccepts({ ...filter, ...spoiler }, alert)).toBe(false);
    }
  });

  it('applies minSeverity to alerts only: a seizure notice has no severity and passes it', () => {
    expect(filterAccepts({ minSeverity: 'critical' }, seizure)).toBe(true);
    expect(filterAccepts({ minSeverity: 'critical', types: ['seizure', 'alert'] }, seizure)).toBe(true);
    const ranks: [Severity, boolean][] = [
      ['low', false],
      ['medium', true],
      ['high', true],
      ['critical', true],
    ];
    for (const [severity, expected] of ranks) {
      expect(filterAccepts({ minSeverity: 'medium' }, { ...alert, severity })).toBe(expected);
    }
  });

  it('fails closed on a broken filter or event', () => {
    expect(filterAccepts({ regions: [] }, alert)).toBe(false);
    expect(filterAccepts({ hsPrefixes: [] }, alert)).toBe(false);
    expect(filterAccepts({ minSeverity: 'urgent' as Severity }, seizure)).toBe(false);
    expect(filterAccepts({ minSeverity: 'low' }, { ...alert, severity: undefined })).toBe(false);
    expect(filterAccepts({ regions: ['europe'] }, { ...seizure, regions: [] })).toBe(false);
  });
});

describe(eventFactsOf.name, () => {
  const hubFields = {
    id: 'rec-1',
    version: 2,
    status: 'active',
    originator: 'fr-douane',
    createdAt: '2026-03-01T09:00:00Z',
    updatedAt: '2026-03-02T09:00:00Z',
  } as const;
  const commodities = [
    { hsCode: '848180', description: 'PTFE-lined valves', category: 'dual-use' },
    { hsCode: '28121900', description: 'Phosphorus chlorides', category: 'chemical' },
    { hsCode: '848180', description: 'More valves', category: 'dual-use' },
  ] as const;

  it('takes type, severity, concerned places, commodities and audience from an alert', () => {
    const record: PublishedAlert = {
      ...hubFields,
      type: 'alert',
      reference: 'FR-1',
      title: 'Valves',
      summary: 'Valves',
      severity: 'critical',
      kind: 'suspicious-consignment',
      commodities: commodities.map((commodity) => ({ ...commodity })),
      handling: 'restricted',
      recipients: ['rilo-we', 'iaea'],
      excludeOrganizations: ['ir-irica'],
      excludeCountries: ['AE'],
      language: 'en',
      regions: ['asia-pacific', 'mena'],
      countries: ['AE', 'IR'],
    };
    expect(eventFactsOf(record)).toEqual({
      type: 'alert',
      regions: ['asia-pacific', 'mena'],
      countries: ['AE', 'IR'],
      hsCodes: ['28121900', '848180'],
      categories: ['chemical', 'dual-use'],
      severity: 'critical',
      audience: {
        originator: 'fr-douane',
        handling: 'restricted',
        regions: ['asia-pacific', 'mena'],
        recipients: ['rilo-we', 'iaea'],
        excludeOrganizations: ['ir-irica'],
        excludeCountries: ['AE'],
      },
    });
  });

  it('gives a seizure notice no severity and no recipients unless it has some', () => {
    const record: PublishedSeizureNotice = {
      ...hubFields,
      type: 'seizure',
      reference: 'DE-1',
      seizedAt: '2026-03-01T08:30:00Z',
      country: 'DE',
      customsOffice: 'Hamburg',
      locationType: 'seaport',
      detectionMethod: 'intelligence',
      commodities: [
        {
          hsCode: '284410',
          description: 'Uranium compounds',
          category: 'nuclear',
          quantity: { value: 1, unit: 'kg' },
        },
      ],
      conveyance: 'sea',
      handling: 'members',
      regions: ['europe'],
      countries: ['DE'],
    };
    const facts = eventFactsOf(record);
    expect(facts).not.toHaveProperty('severity');
    expect(facts.audience).toEqual({
      originator: 'fr-douane',
      handling: 'members',
      regions: ['europe'],
      recipients: [],
      excludeOrganizations: [],
      excludeCountries: [],
    });
    expect(facts.hsCodes).toEqual(['284410']);
  });
});
