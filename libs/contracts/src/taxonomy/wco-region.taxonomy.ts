/** The six WCO regions, each electing a Vice-Chair; the WCO's own grouping, not the UN geoscheme. */
export const WCO_REGIONS = [
  'americas',
  'europe',
  'asia-pacific',
  'east-southern-africa',
  'west-central-africa',
  'mena',
] as const;

export type RegionCode = (typeof WCO_REGIONS)[number];

export const REGION_NAMES: Readonly<Record<RegionCode, string>> = {
  americas: 'Americas and the Caribbean',
  europe: 'Europe',
  'asia-pacific': 'Asia/Pacific',
  'east-southern-africa': 'East and Southern Africa',
  'west-central-africa': 'West and Central Africa',
  mena: 'North of Africa, Near and Middle East',
};

const REGION_SET: ReadonlySet<string> = new Set(WCO_REGIONS);

export function isRegionCode(value: unknown): value is RegionCode {
  return typeof value === 'string' && REGION_SET.has(value);
}
