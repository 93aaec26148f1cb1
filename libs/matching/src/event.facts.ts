import {
  routingFacts,
  type PublishedRecord,
  type RecordType,
  type RegionCode,
  type Severity,
  type StrategicCategory,
} from '@hub/contracts';
import type { RecordAudience } from './handling.rule';

/** What subscriptions filter on and the handling rule decides with, taken from one published record. */
export interface EventFacts {
  type: RecordType;
  /** WCO regions the record concerns (computed by the hub). */
  regions: readonly RegionCode[];
  /** ISO alpha-2 countries the record concerns (computed by the hub). */
  countries: readonly string[];
  /** HS codes of its commodities, unique. */
  hsCodes: readonly string[];
  /** Strategic categories of its commodities, unique. */
  categories: readonly StrategicCategory[];
  /** Alerts only: seizure notices carry no severity. */
  severity?: Severity;
  /** The joint operation the record belongs to, if any. */
  operation?: string;
  audience: RecordAudience;
}

export function eventFactsOf(record: PublishedRecord): EventFacts {
  const { hsCodes, categories } = routingFacts(record);
  return {
    type: record.type,
    regions: record.regions,
    countries: record.countries,
    hsCodes,
    categories,
    ...(record.type === 'alert' ? { severity: record.severity } : {}),
    ...(record.operation !== undefined ? { operation: record.operation } : {}),
    audience: {
      originator: record.originator,
      handling: record.handling,
      regions: record.regions,
      recipients: record.recipients ?? [],
      excludeOrganizations: record.excludeOrganizations ?? [],
      excludeCountries: record.excludeCountries ?? [],
      ...(record.operation !== undefined ? { operation: record.operation } : {}),
    },
  };
}
