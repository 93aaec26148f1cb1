import { examplePublishedSeizureNotice, type PublishedRecord } from '@hub/contracts';
import { eventFactsOf } from './event.facts';
import { mayRead, readScope, type ReaderProfile, type RecordAudience } from './handling.rule';
import { regionalStreamRegions } from './regional-stream.rule';
import { filterAccepts } from './subscription-filter.rule';
import { SubscriptionIndex } from './subscription.index';

// The 'operation' handling value and the operations filter (issue 15), scenario by scenario.

const participant: ReaderProfile = {
  code: 'fr-douane',
  kind: 'member',
  country: 'FR',
  operations: ['COSMO-3'],
};
const observer: ReaderProfile = { code: 'iaea', kind: 'partner', operations: ['COSMO-3'] };
const elsewhere: ReaderProfile = { code: 'de-zoll', kind: 'member', country: 'DE', operations: ['COSMO-4'] };
const outsider: ReaderProfile = { code: 'ke-kra', kind: 'member', country: 'KE' };
const riloWe: ReaderProfile = { code: 'rilo-we', kind: 'rilo', region: 'europe' };
const secretariat: ReaderProfile = { code: 'wco-secretariat', kind: 'secretariat' };

const audience = (overrides: Partial<RecordAudience> = {}): RecordAudience => ({
  originator: 'ng-customs',
  handling: 'operation',
  regions: ['europe'],
  recipients: [],
  excludeOrganizations: [],
  excludeCountries: [],
  operation: 'COSMO-3',
  ...overrides,
});

describe(`${mayRead.name} of 'operation' records`, () => {
  it("opens them to the operation's participants of any role and the Secretariat", () => {
    for (const reader of [participant, observer, secretariat]) expect(mayRead(reader, audience())).toBe(true);
  });

  it("keeps them from everyone else, another operation's participants and the region's RILO included", () => {
    for (const reader of [elsewhere, outsider, riloWe]) expect(mayRead(reader, audience())).toBe(false);
  });

  it('lets the originator read its own even when it no longer takes part', () => {
    expect(mayRead({ code: 'ng-customs', kind: 'member', country: 'NG' }, audience())).toBe(true);
  });

  it('fails closed on a record that names no operation, or a reader whose operations are not a list', () => {
    expect(mayRead(participant, audience({ operation: undefined }))).toBe(false);
    expect(mayRead(secretariat, audience({ operation: '' }))).toBe(false);
    expect(mayRead({ ...participant, operations: 'COSMO-3' as unknown as string[] }, audience())).toBe(false);
  });

  it("still applies the originator's exclusions to participants", () => {
    expect(mayRead(participant, audience({ excludeOrganizations: ['fr-douane'] }))).toBe(false);
  });

  it('reads the operation as a tag only under another handling', () => {
    expect(mayRead(outsider, audience({ handling: 'community' }))).toBe(true);
  });
});

describe(`${readScope.name} with operations`, () => {
  it("names the reader's operations, and gives the Secretariat every 'operation' record", () => {
    expect(readScope(participant).operations).toEqual(['COSMO-3']);
    expect(readScope(outsider).operations).toEqual([]);
    expect(readScope(secretariat)).toMatchObject({ operations: [], allOperations: true });
    expect(readScope(participant).allOperations).toBe(false);
  });
});

describe('operation records on the regional streams', () => {
  it('never go on one, whatever the regions they concern', () => {
    const record: PublishedRecord = {
      ...examplePublishedSeizureNotice(),
      handling: 'operation',
      operation: 'COSMO-3',
      recipients: [],
    };
    expect(regionalStreamRegions(eventFactsOf(record))).toEqual([]);
    expect(regionalStreamRegions(eventFactsOf({ ...record, handling: 'community' })).length).toBeGreaterThan(
      0,
    );
  });
});

describe('the operations filter', () => {
  const record: PublishedRecord = {
    ...examplePublishedSeizureNotice(),
    handling: 'operation',
    operation: 'COSMO-3',
    recipients: [],
  };

  it("matches the operation's records only", () => {
    expect(filterAccepts({ operations: ['COSMO-3'] }, eventFactsOf(record))).toBe(true);
    expect(filterAccepts({ operations: ['COSMO-4'] }, eventFactsOf(record))).toBe(false);
    const { operation: _none, ...untagged } = record;
    expect(
      filterAccepts({ operations: ['COSMO-3'] }, eventFactsOf({ ...untagged, handling: 'community' })),
    ).toBe(false);
  });

  it('is applied by the index, with the handling rule, and follows a change of participants', () => {
    const index = new SubscriptionIndex();
    index.upsert({ id: 'iaea-feed', subscriber: observer, filter: { operations: ['COSMO-3'] } });
    index.upsert({ id: 'outsider-feed', subscriber: outsider, filter: {} });
    expect(index.match(eventFactsOf(record))).toEqual(['iaea-feed']);
    index.upsert({
      id: 'iaea-feed',
      subscriber: { ...observer, operations: [] },
      filter: { operations: ['COSMO-3'] },
    });
    expect(index.match(eventFactsOf(record))).toEqual([]);
  });
});
