import { isIsoCountry } from './iso-country.taxonomy';
import { MEMBER_COUNTRY_REGIONS, regionOfCountry } from './member-country.taxonomy';
import { RILOS } from './rilo.taxonomy';
import { WCO_REGIONS, isRegionCode, REGION_NAMES, type RegionCode } from './wco-region.taxonomy';
import { ORGANIZATION_CODE_PATTERN } from '../records/record.enums';

function membersPerRegion(): Map<RegionCode, number> {
  const counts = new Map<RegionCode, number>(WCO_REGIONS.map((region) => [region, 0]));
  for (const region of Object.values(MEMBER_COUNTRY_REGIONS))
    counts.set(region, (counts.get(region) ?? 0) + 1);
  return counts;
}

describe('MEMBER_COUNTRY_REGIONS', () => {
  it('maps only officially assigned ISO codes to known WCO regions', () => {
    for (const [code, region] of Object.entries(MEMBER_COUNTRY_REGIONS)) {
      expect({ code, iso: isIsoCountry(code) }).toEqual({ code, iso: true });
      expect({ code, region: isRegionCode(region) }).toEqual({ code, region: true });
    }
  });

  it('holds every WCO member that has an ISO code (the 187 the WCO counts, less Kosovo)', () => {
    expect(Object.keys(MEMBER_COUNTRY_REGIONS)).toHaveLength(186);
  });

  it('gives each region a plausible share, matching the counts the regions publish', () => {
    const counts = membersPerRegion();
    for (const region of WCO_REGIONS) {
      expect(counts.get(region)).toBeGreaterThanOrEqual(15);
      expect(counts.get(region)).toBeLessThanOrEqual(60);
    }
    // wcoasiapacific.org lists 35 members; the WCO counts eighteen members in MENA.
    expect(counts.get('asia-pacific')).toBe(35);
    expect(counts.get('mena')).toBe(18);
  });

  it.each([
    ['IR', 'asia-pacific'],
    ['HK', 'asia-pacific'],
    ['KZ', 'europe'],
    ['TR', 'europe'],
    ['IL', 'europe'],
    ['UZ', 'europe'],
    ['EG', 'mena'],
    ['PS', 'mena'],
    ['SD', 'mena'],
    ['NG', 'west-central-africa'],
    ['MR', 'west-central-africa'],
    ['KE', 'east-southern-africa'],
    ['DJ', 'east-southern-africa'],
    ['BR', 'americas'],
    ['CW', 'americas'],
  ] as const)('places %s in %s (the WCO grouping, not the UN geoscheme)', (code, region) => {
    expect(regionOfCountry(code)).toBe(region);
  });

  it.each(['TW', 'LI', 'KP', 'DM', 'XK', 'EU', 'ir', '', 'constructor', 'toString'])(
    'has no region for %j',
    (code) => {
      expect(regionOfCountry(code)).toBeUndefined();
    },
  );
});

describe('REGION_NAMES', () => {
  it('names every region', () => {
    expect(Object.keys(REGION_NAMES).sort()).toEqual([...WCO_REGIONS].sort());
  });
});

describe('RILOS', () => {
  it('are twelve offices with unique, valid organization codes', () => {
    const codes = RILOS.map((rilo) => rilo.code);
    expect(new Set(codes).size).toBe(12);
    for (const code of codes) expect(code).toMatch(ORGANIZATION_CODE_PATTERN);
  });

  it('cover all six regions', () => {
    expect(new Set(RILOS.map((rilo) => rilo.region))).toEqual(new Set(WCO_REGIONS));
  });

  it.each([
    ['rilo-cis', 'europe'],
    ['rilo-ece', 'europe'],
    ['rilo-ap', 'asia-pacific'],
    ['rilo-ca', 'west-central-africa'],
    ['rilo-me', 'mena'],
    ['rilo-car', 'americas'],
  ])('attach %s to %s', (code, region) => {
    expect(RILOS.find((rilo) => rilo.code === code)?.region).toBe(region);
  });
});
