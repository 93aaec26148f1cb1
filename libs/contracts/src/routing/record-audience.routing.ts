import type { Alert } from '../records/alert.record';
import type { SeizureNotice } from '../records/seizure-notice.record';
import { isIsoCountry } from '../taxonomy/iso-country.taxonomy';
import { regionOfCountry } from '../taxonomy/member-country.taxonomy';
import type { StrategicCategory } from '../taxonomy/strategic-category.taxonomy';
import { isRegionCode, type RegionCode } from '../taxonomy/wco-region.taxonomy';

/**
 * What a record concerns, computed by the hub from the validated record and the originator's
 * registered profile: a submitter cannot widen or narrow its own audience by declaring regions.
 */
export interface RecordConcernInput {
  record: Alert | SeizureNotice;
  /** Country of the originating organization, from its registration (members). */
  originatorCountry?: string;
  /** Region of the originating organization, from its registration (a RILO has one, no country). */
  originatorRegion?: RegionCode;
}

function sortedUnique<T extends string>(values: Iterable<T>): T[] {
  return [...new Set(values)].sort();
}

/** Sorted, unique ISO codes: originator, route origin, transit and destination, seizure country, parties. */
export function concernedCountries(input: RecordConcernInput): string[] {
  const { record } = input;
  const candidates: (string | undefined)[] = [
    input.originatorCountry,
    record.route?.origin,
    ...(record.route?.transit ?? []),
    record.route?.destination,
    'country' in record ? record.country : undefined,
    ...(record.entities ?? []).map((party) => party.country),
  ];
  return sortedUnique(candidates.filter(isIsoCountry));
}

/** Sorted, unique WCO regions of the concerned member countries, plus the originator's region. */
export function concernedRegions(input: RecordConcernInput): RegionCode[] {
  const regions = concernedCountries(input)
    .map(regionOfCountry)
    .filter((region): region is RegionCode => region !== undefined);
  if (isRegionCode(input.originatorRegion)) regions.push(input.originatorRegion);
  return sortedUnique(regions);
}

export interface RoutingFacts {
  hsCodes: string[];
  categories: StrategicCategory[];
}

/** The commodity facts subscriptions filter on (HS prefix, strategic category), sorted and unique. */
export function routingFacts(record: Pick<Alert | SeizureNotice, 'commodities'>): RoutingFacts {
  return {
    hsCodes: sortedUnique(record.commodities.map((commodity) => commodity.hsCode)),
    categories: sortedUnique(record.commodities.map((commodity) => commodity.category)),
  };
}
