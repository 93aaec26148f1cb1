import { severityRank, type SubscriptionFilter } from '@hub/contracts';
import type { EventFacts } from './event.facts';

/** A subscription filter as plain, read-only data (e.g. validated JSON read back from storage). */
export type FilterCriteria = {
  readonly [K in keyof SubscriptionFilter]?: NonNullable<
    SubscriptionFilter[K]
  > extends readonly (infer Item)[]
    ? readonly Item[]
    : SubscriptionFilter[K];
};

function overlaps<T>(wanted: readonly T[], present: readonly T[]): boolean {
  for (const value of present) if (wanted.includes(value)) return true;
  return false;
}

function anyCodeStartsWith(prefixes: readonly string[], codes: readonly string[]): boolean {
  for (const code of codes) {
    for (const prefix of prefixes) if (code.startsWith(prefix)) return true;
  }
  return false;
}

/**
 * Whether a filter wants an event. Each field present must match (AND), a field left out matches
 * anything, and a list field matches when any of its values does (OR): `types` the record type,
 * `regions` / `countries` one the event concerns, `hsPrefixes` the start of one commodity HS
 * code, `categories` one commodity category. `minSeverity` keeps alerts of at least that
 * severity; seizure notices have none and pass it. `operations` keeps the records of those joint
 * operations (a record of none never matches it). A present but empty list, or an unknown
 * minSeverity, matches nothing: a broken filter fails closed. This is the filter alone; who may
 * read the record is mayRead's decision (SubscriptionIndex.match applies both).
 */
export function filterAccepts(filter: FilterCriteria, facts: EventFacts): boolean {
  if (filter.types !== undefined && !filter.types.includes(facts.type)) return false;
  if (filter.regions !== undefined && !overlaps(filter.regions, facts.regions)) return false;
  if (filter.countries !== undefined && !overlaps(filter.countries, facts.countries)) return false;
  if (filter.categories !== undefined && !overlaps(filter.categories, facts.categories)) return false;
  if (filter.hsPrefixes !== undefined && !anyCodeStartsWith(filter.hsPrefixes, facts.hsCodes)) return false;
  if (
    filter.operations !== undefined &&
    (facts.operation === undefined || !filter.operations.includes(facts.operation))
  )
    return false;
  if (filter.minSeverity !== undefined) {
    const minimum = severityRank(filter.minSeverity);
    if (minimum < 0) return false;
    if (facts.type === 'alert' && (facts.severity === undefined || severityRank(facts.severity) < minimum))
      return false;
  }
  return true;
}
