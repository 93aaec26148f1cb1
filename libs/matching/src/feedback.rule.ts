import { regionOfCountry, type NoticeKind, type PublishedRecord, type RegionCode } from '@hub/contracts';
import { eventFactsOf } from './event.facts';
import { mayRead, type ReaderProfile, type RecordAudience } from './handling.rule';
import { filterAccepts, type FilterCriteria } from './subscription-filter.rule';

/** What the addressee rule needs of an alert version. */
export interface AlertRoute {
  originator: string;
  /** As computed by the hub (concernedCountries). */
  countries: readonly string[];
  audience: RecordAudience;
}

/** The route of a published alert. */
export function alertRouteOf(alert: PublishedRecord): AlertRoute {
  return { originator: alert.originator, countries: alert.countries, audience: eventFactsOf(alert).audience };
}

/**
 * An alert's addressees: the members registered in a country the alert concerns (originator,
 * route origin, transit and destination, parties: `countries`, computed as its regions are) that
 * may read it, the originator itself aside. Having a subscription or not changes nothing.
 */
export function alertAddressees<T extends ReaderProfile>(alert: AlertRoute, candidates: readonly T[]): T[] {
  const { audience } = alert;
  return candidates.filter(
    (candidate) =>
      candidate.kind === 'member' &&
      candidate.code !== alert.originator &&
      typeof candidate.country === 'string' &&
      alert.countries.includes(candidate.country) &&
      mayRead(candidate, audience),
  );
}

/**
 * Whether a subscription takes a notice of this kind about this alert: its `types` must name the
 * kind (a filter that names none never gets notices), and its other criteria apply to the alert.
 */
export function noticeFilterAccepts(
  filter: FilterCriteria,
  kind: NoticeKind,
  alert: PublishedRecord,
): boolean {
  if (filter.types === undefined || !filter.types.includes(kind)) return false;
  const { types: _types, ...criteria } = filter;
  return filterAccepts(criteria, eventFactsOf(alert));
}

/**
 * How much of an alert's feedback a reader sees: its originator and the Secretariat every entry
 * with its author; any other reader its own entries, and of the others only counts per type.
 */
export function feedbackView(reader: ReaderProfile, alert: PublishedRecord): 'all' | 'own' {
  return reader.code === alert.originator || reader.kind === 'secretariat' ? 'all' : 'own';
}

export interface EscalationDecision {
  /** Codes of the addressees that did not acknowledge, sorted. */
  silent: string[];
  /** Codes of the RILOs told: those of the silent addressees' regions that may read the alert. */
  rilos: string[];
}

/**
 * Whom an alert whose deadline ran out is escalated to; null when every addressee acknowledged.
 * A RILO that may not read the alert (restricted handling, excluded) is not told of it: the
 * escalation must not reveal what the originator kept from it.
 */
export function escalationDecision(input: {
  alert: PublishedRecord;
  addressees: readonly { code: string; country: string; acknowledged: boolean }[];
  rilos: readonly ReaderProfile[];
}): EscalationDecision | null {
  const silent = input.addressees.filter((addressee) => !addressee.acknowledged);
  if (silent.length === 0) return null;
  const regions = new Set(
    silent
      .map((addressee) => regionOfCountry(addressee.country))
      .filter((region): region is RegionCode => region !== undefined),
  );
  const audience = eventFactsOf(input.alert).audience;
  return {
    silent: silent.map((addressee) => addressee.code).sort(),
    rilos: input.rilos
      .filter((rilo) => rilo.kind === 'rilo' && rilo.region !== undefined && regions.has(rilo.region))
      .filter((rilo) => mayRead(rilo, audience))
      .map((rilo) => rilo.code)
      .sort(),
  };
}
