import type { RegionCode } from './wco-region.taxonomy';

/**
 * WCO members by WCO region, as of November 2026: the 187 the WCO counts (Saint Vincent and the
 * Grenadines was the 187th, in 2025), the EU taking part besides them. Sources: the
 * Wikipedia page "Member states of the World Customs Organization" (regional lists, January 2023),
 * wcoasiapacific.org/about-us (the 35 Asia/Pacific members), and the WCO's accession notices since
 * (Solomon Islands 2023, Palau 2024, Saint Vincent and the Grenadines 2025).
 *
 * Two members have no officially assigned ISO 3166-1 code and are left out on purpose: the
 * European Union (a member on an interim basis, a customs union rather than a country) and
 * Kosovo (Europe; 'XK' is only user-assigned). A record cannot name either as a country.
 */
// A table, one row per region: easier to check against the sources than one line per code.
// prettier-ignore
const MEMBERS_BY_REGION: Readonly<Record<RegionCode, readonly string[]>> = {
  // Americas and the Caribbean: Bermuda and Curaçao are members as customs territories.
  // Not members: Dominica, Grenada, Saint Kitts and Nevis.
  americas: [
    'AG', 'AR', 'BB', 'BM', 'BO', 'BR', 'BS', 'BZ', 'CA', 'CL', 'CO', 'CR', 'CU', 'CW', 'DO', 'EC', 'GT',
    'GY', 'HN', 'HT', 'JM', 'LC', 'MX', 'NI', 'PA', 'PE', 'PY', 'SR', 'SV', 'TT', 'US', 'UY', 'VC', 'VE',
  ],
  // Europe includes Israel, the Caucasus and Central Asia (Kazakhstan, Kyrgyzstan, Tajikistan,
  // Turkmenistan, Uzbekistan) and Türkiye. Not members: Liechtenstein, Monaco, San Marino.
  europe: [
    'AD', 'AL', 'AM', 'AT', 'AZ', 'BA', 'BE', 'BG', 'BY', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI',
    'FR', 'GB', 'GE', 'GR', 'HR', 'HU', 'IE', 'IL', 'IS', 'IT', 'KG', 'KZ', 'LT', 'LU', 'LV', 'MD', 'ME',
    'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'RU', 'SE', 'SI', 'SK', 'TJ', 'TM', 'TR', 'UA', 'UZ',
  ],
  // Asia/Pacific includes Iran, and Hong Kong and Macao as customs territories.
  'asia-pacific': [
    'AF', 'AU', 'BD', 'BN', 'BT', 'CN', 'FJ', 'HK', 'ID', 'IN', 'IR', 'JP', 'KH', 'KR', 'LA', 'LK', 'MM',
    'MN', 'MO', 'MV', 'MY', 'NP', 'NZ', 'PG', 'PH', 'PK', 'PW', 'SB', 'SG', 'TH', 'TL', 'TO', 'VN', 'VU',
    'WS',
  ],
  'east-southern-africa': [
    'AO', 'BI', 'BW', 'DJ', 'ER', 'ET', 'KE', 'KM', 'LS', 'MG', 'MU', 'MW', 'MZ', 'NA', 'RW', 'SC', 'SO',
    'SS', 'SZ', 'TZ', 'UG', 'ZA', 'ZM', 'ZW',
  ],
  // Mauritania sits here, not in MENA; Equatorial Guinea acceded in 2021.
  'west-central-africa': [
    'BF', 'BJ', 'CD', 'CF', 'CG', 'CI', 'CM', 'CV', 'GA', 'GH', 'GM', 'GN', 'GQ', 'GW', 'LR', 'ML', 'MR',
    'NE', 'NG', 'SL', 'SN', 'ST', 'TD', 'TG',
  ],
  // North of Africa, Near and Middle East: the Maghreb, Egypt, Sudan, the Levant, Iraq, the Gulf, Yemen.
  mena: ['AE', 'BH', 'DZ', 'EG', 'IQ', 'JO', 'KW', 'LB', 'LY', 'MA', 'OM', 'PS', 'QA', 'SA', 'SD', 'SY', 'TN', 'YE'],
};

export const MEMBER_COUNTRY_REGIONS: Readonly<Record<string, RegionCode>> = Object.freeze(
  Object.fromEntries(
    (Object.entries(MEMBERS_BY_REGION) as [RegionCode, readonly string[]][]).flatMap(([region, codes]) =>
      codes.map((code) => [code, region] as const),
    ),
  ),
);

/** Undefined for non-members and anything that is not an uppercase alpha-2 code. */
export function regionOfCountry(code: string): RegionCode | undefined {
  return Object.prototype.hasOwnProperty.call(MEMBER_COUNTRY_REGIONS, code)
    ? MEMBER_COUNTRY_REGIONS[code]
    : undefined;
}
