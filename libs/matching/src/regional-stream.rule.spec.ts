import type { HandlingCode, RegionCode } from '@hub/contracts';
import type { EventFacts } from './event.facts';
import { regionalStreamRegions } from './regional-stream.rule';

function facts(
  handling: HandlingCode,
  regions: RegionCode[],
  originator = 'de-zoll',
  recipients: string[] = [],
): EventFacts {
  return {
    type: 'alert',
    regions,
    countries: ['DE'],
    hsCodes: ['284410'],
    categories: ['nuclear'],
    severity: 'high',
    audience: { originator, handling, regions, recipients, excludeOrganizations: [], excludeCountries: [] },
  };
}

describe(regionalStreamRegions.name, () => {
  it.each<HandlingCode>(['community', 'members', 'region'])(
    'puts a %s record on the stream of every region it concerns',
    (handling) => {
      expect(regionalStreamRegions(facts(handling, ['europe', 'mena']))).toEqual(['europe', 'mena']);
    },
  );

  it('never puts a restricted record on a shared stream, even when a RILO wrote it or is a recipient', () => {
    expect(regionalStreamRegions(facts('restricted', ['europe'], 'de-zoll', ['rilo-we']))).toEqual([]);
    expect(
      regionalStreamRegions(facts('restricted', ['europe'], 'regional-stream', ['regional-stream-1'])),
    ).toEqual([]);
  });

  it('sends an event that concerns no region nowhere', () => {
    expect(regionalStreamRegions(facts('community', []))).toEqual([]);
  });

  it('fails closed on an unknown handling and ignores unknown or repeated regions', () => {
    expect(regionalStreamRegions(facts('secret' as HandlingCode, ['europe']))).toEqual([]);
    expect(regionalStreamRegions(facts('region', ['atlantis' as RegionCode, 'europe', 'europe']))).toEqual([
      'europe',
    ]);
  });

  describe('with exclusions', () => {
    const excluding = (
      exclusions: Partial<Pick<EventFacts['audience'], 'excludeOrganizations' | 'excludeCountries'>>,
    ): EventFacts => {
      const base = facts('region', ['asia-pacific', 'europe']);
      return { ...base, audience: { ...base.audience, ...exclusions } };
    };

    it("keeps an excluded country's region stream out: its members read that stream", () => {
      expect(regionalStreamRegions(excluding({ excludeCountries: ['KR'] }))).toEqual(['europe']);
      expect(regionalStreamRegions(excluding({ excludeCountries: ['KR', 'FR'] }))).toEqual([]);
      // A country of no concerned region changes nothing.
      expect(regionalStreamRegions(excluding({ excludeCountries: ['KE'] }))).toEqual([
        'asia-pacific',
        'europe',
      ]);
    });

    it('keeps a record that excludes any organization off every stream: a topic cannot leave one reader out', () => {
      expect(regionalStreamRegions(excluding({ excludeOrganizations: ['iaea'] }))).toEqual([]);
    });
  });
});
