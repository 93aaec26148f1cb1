import type { RegionCode } from './wco-region.taxonomy';

export interface Rilo {
  /** Organization code of the office in the hub (see ORGANIZATION_CODE_PATTERN). */
  code: string;
  name: string;
  host: string;
  region: RegionCode;
}

/** The twelve Regional Intelligence Liaison Offices; a region may have several. */
export const RILOS: readonly Rilo[] = Object.freeze([
  { code: 'rilo-ap', name: 'RILO Asia/Pacific', host: 'Seoul, Republic of Korea', region: 'asia-pacific' },
  {
    code: 'rilo-cis',
    name: 'RILO Commonwealth of Independent States',
    host: 'Moscow, Russian Federation',
    region: 'europe',
  },
  { code: 'rilo-ece', name: 'RILO Eastern and Central Europe', host: 'Warsaw, Poland', region: 'europe' },
  { code: 'rilo-we', name: 'RILO Western Europe', host: 'Cologne, Germany', region: 'europe' },
  {
    code: 'rilo-esa',
    name: 'RILO Eastern and Southern Africa',
    host: 'Harare, Zimbabwe',
    region: 'east-southern-africa',
  },
  { code: 'rilo-wa', name: 'RILO West Africa', host: 'Dakar, Senegal', region: 'west-central-africa' },
  { code: 'rilo-ca', name: 'RILO Central Africa', host: 'Douala, Cameroon', region: 'west-central-africa' },
  { code: 'rilo-na', name: 'RILO North Africa', host: 'Casablanca, Morocco', region: 'mena' },
  { code: 'rilo-me', name: 'RILO Middle East', host: 'Riyadh, Saudi Arabia', region: 'mena' },
  { code: 'rilo-car', name: 'RILO Caribbean (CCLEC)', host: 'Castries, Saint Lucia', region: 'americas' },
  { code: 'rilo-sam', name: 'RILO South America', host: 'Valparaíso, Chile', region: 'americas' },
  { code: 'rilo-cam', name: 'RILO Central America', host: 'Guatemala City, Guatemala', region: 'americas' },
] as const satisfies readonly Rilo[]);
