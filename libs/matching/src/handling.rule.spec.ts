import type { HandlingCode, RegionCode } from '@hub/contracts';
import { mayRead, readScope, type ReaderProfile, type RecordAudience } from './handling.rule';

const france: ReaderProfile = { code: 'fr-douane', kind: 'member', country: 'FR' };
const kenya: ReaderProfile = { code: 'ke-kra', kind: 'member', country: 'KE' };
const riloWe: ReaderProfile = { code: 'rilo-we', kind: 'rilo', region: 'europe' };
const riloEsa: ReaderProfile = { code: 'rilo-esa', kind: 'rilo', region: 'east-southern-africa' };
const secretariat: ReaderProfile = { code: 'wco-secretariat', kind: 'secretariat' };
const interpol: ReaderProfile = { code: 'interpol', kind: 'partner' };

function record(
  handling: HandlingCode,
  regions: RegionCode[] = ['europe'],
  recipients: string[] = [],
): RecordAudience {
  return {
    originator: 'de-zoll',
    handling,
    regions,
    recipients,
    excludeOrganizations: [],
    excludeCountries: [],
  };
}

describe(mayRead.name, () => {
  it('lets the originator read its own record whatever the handling', () => {
    const originator: ReaderProfile = { code: 'de-zoll', kind: 'member', country: 'DE' };
    for (const handling of ['community', 'members', 'region', 'restricted', 'unknown'] as HandlingCode[]) {
      expect(mayRead(originator, { ...record(handling, []), recipients: [] })).toBe(true);
    }
  });

  it('opens community records to every organization, partners included', () => {
    for (const reader of [france, riloEsa, secretariat, interpol])
      expect(mayRead(reader, record('community'))).toBe(true);
  });

  it('keeps members records from partners only', () => {
    expect([france, kenya, riloEsa, secretariat].every((reader) => mayRead(reader, record('members')))).toBe(
      true,
    );
    expect(mayRead(interpol, record('members'))).toBe(false);
  });

  it('opens region records to members and RILOs of the regions, and the Secretariat', () => {
    const europe = record('region', ['europe', 'mena']);
    expect(mayRead(france, europe)).toBe(true);
    expect(mayRead(riloWe, europe)).toBe(true);
    expect(mayRead(secretariat, europe)).toBe(true);
    expect(mayRead(kenya, europe)).toBe(false);
    expect(mayRead(riloEsa, europe)).toBe(false);
    expect(mayRead(interpol, europe)).toBe(false);
  });

  it('derives a member region from its country, not from what it declares', () => {
    expect(mayRead({ ...kenya, region: 'europe' }, record('region', ['europe']))).toBe(false);
    expect(mayRead({ ...france, region: 'europe' }, record('region', ['europe']))).toBe(true);
  });

  it('opens restricted records to listed recipients only', () => {
    const restricted = record('restricted', ['europe'], ['rilo-we', 'interpol']);
    expect(mayRead(riloWe, restricted)).toBe(true);
    expect(mayRead(interpol, restricted)).toBe(true);
    expect(mayRead(france, restricted)).toBe(false);
    expect(mayRead(secretariat, restricted)).toBe(false);
  });

  it('fails closed on anything unknown or missing', () => {
    expect(mayRead(france, record('secret' as HandlingCode))).toBe(false);
    expect(mayRead(secretariat, record('region', []))).toBe(false);
    expect(
      mayRead({ code: 'tw-customs', kind: 'member', country: 'TW' }, record('region', ['asia-pacific'])),
    ).toBe(false);
    expect(mayRead({ code: 'xx-customs', kind: 'member' }, record('region', ['europe']))).toBe(false);
    expect(mayRead({ code: 'rilo-x', kind: 'rilo' }, record('region', ['europe']))).toBe(false);
    expect(
      mayRead(
        { code: 'rilo-x', kind: 'rilo', region: 'atlantis' as RegionCode },
        record('region', ['europe']),
      ),
    ).toBe(false);
    expect(mayRead({ code: 'someone', kind: 'auditor' as ReaderProfile['kind'] }, record('community'))).toBe(
      false,
    );
    expect(
      mayRead({ ...france, code: '' }, { ...record('restricted', ['europe'], ['']), originator: '' }),
    ).toBe(false);
    expect(mayRead(france, record('restricted', ['europe'], []))).toBe(false);
  });
});

describe(`${mayRead.name}: the originator's exclusions`, () => {
  const korea: ReaderProfile = { code: 'kr-customs', kind: 'member', country: 'KR' };
  const riloAp: ReaderProfile = { code: 'rilo-ap', kind: 'rilo', region: 'asia-pacific' };
  const iaea: ReaderProfile = { code: 'iaea', kind: 'partner' };
  const excluding = (
    handling: HandlingCode,
    exclusions: Partial<Pick<RecordAudience, 'excludeOrganizations' | 'excludeCountries'>>,
    recipients: string[] = [],
  ): RecordAudience => ({ ...record(handling, ['asia-pacific', 'europe'], recipients), ...exclusions });

  it('keeps an excluded country out even where region handling would admit it', () => {
    expect(mayRead(korea, record('region', ['asia-pacific']))).toBe(true);
    expect(mayRead(korea, excluding('region', { excludeCountries: ['KR'] }))).toBe(false);
    expect(mayRead(korea, excluding('community', { excludeCountries: ['KR'] }))).toBe(false);
    expect(mayRead(korea, excluding('members', { excludeCountries: ['KR'] }))).toBe(false);
  });

  it('keeps an excluded organization out, whatever its kind and the handling', () => {
    for (const handling of ['community', 'members', 'region'] as HandlingCode[]) {
      expect(mayRead(riloAp, excluding(handling, { excludeOrganizations: ['rilo-ap'] }))).toBe(false);
      expect(mayRead(korea, excluding(handling, { excludeOrganizations: ['kr-customs'] }))).toBe(false);
    }
    expect(mayRead(iaea, excluding('community', { excludeOrganizations: ['iaea'] }))).toBe(false);
    expect(mayRead(iaea, excluding('restricted', { excludeOrganizations: ['iaea'] }, ['iaea']))).toBe(false);
    expect(mayRead(interpol, excluding('community', { excludeOrganizations: ['iaea'] }))).toBe(true);
  });

  it('does not keep a RILO out by the country it sits in: a RILO has none', () => {
    expect(mayRead(riloAp, excluding('region', { excludeCountries: ['KR'] }))).toBe(true);
  });

  it('never keeps out the Secretariat or the originator', () => {
    const everyone = { excludeOrganizations: ['wco-secretariat', 'de-zoll'], excludeCountries: ['DE'] };
    expect(mayRead(secretariat, excluding('region', everyone))).toBe(true);
    expect(mayRead({ code: 'de-zoll', kind: 'member', country: 'DE' }, excluding('region', everyone))).toBe(
      true,
    );
  });

  it('leaves the others to the handling', () => {
    expect(
      mayRead(france, excluding('region', { excludeCountries: ['KR'], excludeOrganizations: ['iaea'] })),
    ).toBe(true);
    expect(mayRead(interpol, excluding('members', { excludeCountries: ['KR'] }))).toBe(false);
  });

  it('fails closed when an exclusion list is not a list', () => {
    const broken = { ...record('community'), excludeCountries: undefined } as unknown as RecordAudience;
    expect(mayRead(france, broken)).toBe(false);
    expect(mayRead(secretariat, broken)).toBe(true);
  });
});

describe(readScope.name, () => {
  it('describes a member', () => {
    expect(readScope(france)).toEqual({
      originatorCode: 'fr-douane',
      recipientCode: 'fr-douane',
      handlingAnywhere: ['community', 'members'],
      handlingInRegions: { handling: 'region', regions: ['europe'] },
      excludedCode: 'fr-douane',
      excludedCountry: 'FR',
      operations: [],
      allOperations: false,
    });
  });

  it('describes the Secretariat, whom no exclusion keeps out', () => {
    expect(readScope(secretariat)).toMatchObject({ excludedCode: null, excludedCountry: null });
  });

  it('describes a partner, who has no region', () => {
    expect(readScope(interpol)).toEqual({
      originatorCode: 'interpol',
      recipientCode: 'interpol',
      handlingAnywhere: ['community'],
      excludedCode: 'interpol',
      excludedCountry: null,
      operations: [],
      allOperations: false,
    });
  });

  it('matches nothing for an unknown reader', () => {
    expect(readScope({ code: 'NOT A CODE', kind: 'member', country: 'FR' })).toEqual({
      originatorCode: null,
      recipientCode: null,
      handlingAnywhere: [],
      excludedCode: null,
      excludedCountry: null,
      operations: [],
      allOperations: false,
    });
  });
});
