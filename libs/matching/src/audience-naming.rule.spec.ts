import type { OrganizationKind } from '@hub/contracts';
import { exclusionFaults, namedOrganizations, unregisteredFaults } from './audience-naming.rule';
import type { ReaderProfile } from './handling.rule';

const france: ReaderProfile = { code: 'fr-customs', kind: 'member', country: 'FR' };
const directory = new Map<string, OrganizationKind>([
  ['kr-customs', 'member'],
  ['iaea', 'partner'],
  ['wco-secretariat', 'secretariat'],
]);

describe(exclusionFaults.name, () => {
  it('accepts exclusions of others', () => {
    expect(exclusionFaults({ excludeOrganizations: ['iaea'], excludeCountries: ['KR'] }, france)).toEqual([]);
    expect(exclusionFaults({}, france)).toEqual([]);
  });

  it('refuses the originator excluding itself, by code or by its country, naming the element', () => {
    expect(
      exclusionFaults(
        { excludeOrganizations: ['iaea', 'fr-customs'], excludeCountries: ['KR', 'FR'] },
        france,
      ),
    ).toEqual([
      { field: 'excludeOrganizations[1]', reason: 'must not name the originator itself' },
      { field: 'excludeCountries[1]', reason: "must not name the originator's own country" },
    ]);
  });

  it('refuses an organization both recipient and excluded', () => {
    expect(exclusionFaults({ recipients: ['iaea'], excludeOrganizations: ['iaea'] }, france)).toEqual([
      { field: 'excludeOrganizations[0]', reason: 'must not name a recipient of the record' },
    ]);
  });
});

describe(unregisteredFaults.name, () => {
  it('names each unregistered recipient or excluded organization by its element', () => {
    expect(
      unregisteredFaults(
        { recipients: ['kr-customs', 'us-cbp'], excludeOrganizations: ['nobody'] },
        directory,
      ),
    ).toEqual([
      { field: 'recipients[1]', reason: 'must name a registered organization' },
      { field: 'excludeOrganizations[0]', reason: 'must name a registered organization' },
    ]);
  });

  it('refuses to exclude the Secretariat, but lets it be a recipient', () => {
    expect(
      unregisteredFaults(
        { recipients: ['wco-secretariat'], excludeOrganizations: ['wco-secretariat'] },
        directory,
      ),
    ).toEqual([{ field: 'excludeOrganizations[0]', reason: 'must not name the WCO Secretariat' }]);
  });

  it('asks the directory about each code once', () => {
    expect(
      namedOrganizations({ recipients: ['iaea', 'kr-customs'], excludeOrganizations: ['iaea'] }),
    ).toEqual(['iaea', 'kr-customs']);
  });
});
