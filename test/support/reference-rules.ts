/**
 * An independent, deliberately plain statement of who gets what: the filter
 * semantics and the handling rules as the issue states them, written without
 * any code from libs/matching. The property tests compare the hub against it.
 */
import { MEMBER_COUNTRY_REGIONS } from '@hub/contracts';

export interface ReferenceOrganization {
  code: string;
  kind: 'member' | 'rilo' | 'partner' | 'secretariat';
  country?: string;
  region?: string;
  /** Joint operations it takes part in, any role (none when absent). */
  operations?: string[];
}

export interface ReferenceRecordState {
  type: 'alert' | 'seizure';
  originator: ReferenceOrganization;
  handling: 'community' | 'members' | 'region' | 'restricted' | 'operation';
  /** The joint operation the record was filed under (none when absent). */
  operation?: string;
  recipients: string[];
  severity?: string;
  hsCodes: string[];
  categories: string[];
  /** Countries named by the record itself: route, seizure country, parties. */
  namedCountries: string[];
  /** Tip-off protection: organizations and countries the originator keeps out (none when absent). */
  excludeOrganizations?: string[];
  excludeCountries?: string[];
}

export interface ReferenceFilter {
  types?: string[];
  regions?: string[];
  countries?: string[];
  hsPrefixes?: string[];
  categories?: string[];
  minSeverity?: string;
  operations?: string[];
}

const SEVERITY_ORDER = ['low', 'medium', 'high', 'critical'];

export function referenceCountries(record: ReferenceRecordState): string[] {
  const countries = [...record.namedCountries];
  if (record.originator.kind === 'member' && record.originator.country)
    countries.push(record.originator.country);
  return [...new Set(countries)].sort();
}

export function referenceRegions(record: ReferenceRecordState): string[] {
  const regions = new Set<string>();
  for (const country of referenceCountries(record)) {
    const region = MEMBER_COUNTRY_REGIONS[country];
    if (region) regions.add(region);
  }
  if (record.originator.kind === 'rilo' && record.originator.region) regions.add(record.originator.region);
  return [...regions].sort();
}

function regionOf(organization: ReferenceOrganization): string | undefined {
  if (organization.kind === 'member')
    return organization.country ? MEMBER_COUNTRY_REGIONS[organization.country] : undefined;
  return organization.region;
}

export function referenceMayRead(reader: ReferenceOrganization, record: ReferenceRecordState): boolean {
  if (reader.code === record.originator.code) return true;
  if (referenceExcluded(reader, record)) return false;
  switch (record.handling) {
    case 'community':
      return true;
    case 'members':
      return reader.kind !== 'partner';
    case 'region': {
      if (reader.kind === 'secretariat') return true;
      if (reader.kind === 'partner') return false;
      const region = regionOf(reader);
      return region !== undefined && referenceRegions(record).includes(region);
    }
    case 'restricted':
      return record.recipients.includes(reader.code);
    // Issue 15: the operation's participants (any role) and the Secretariat; nobody else, whatever the region.
    case 'operation':
      if (record.operation === undefined) return false;
      return reader.kind === 'secretariat' || (reader.operations ?? []).includes(record.operation);
  }
}

export function referenceFilterAccepts(filter: ReferenceFilter, record: ReferenceRecordState): boolean {
  if (filter.types && !filter.types.includes(record.type)) return false;
  if (filter.regions && !filter.regions.some((region) => referenceRegions(record).includes(region)))
    return false;
  if (filter.countries && !filter.countries.some((country) => referenceCountries(record).includes(country)))
    return false;
  if (
    filter.hsPrefixes &&
    !record.hsCodes.some((code) => filter.hsPrefixes!.some((prefix) => code.startsWith(prefix)))
  ) {
    return false;
  }
  if (filter.categories && !record.categories.some((category) => filter.categories!.includes(category)))
    return false;
  if (filter.operations && (record.operation === undefined || !filter.operations.includes(record.operation)))
    return false;
  if (filter.minSeverity && record.type === 'alert') {
    if (SEVERITY_ORDER.indexOf(record.severity ?? '') < SEVERITY_ORDER.indexOf(filter.minSeverity))
      return false;
  }
  return true;
}

/** Regional streams carry what every RILO of a concerned region may read: never restricted or operation records. */
export function referenceRegionalStreams(record: ReferenceRecordState): string[] {
  if (record.handling === 'restricted' || record.handling === 'operation') return [];
  return referenceRegionsWithoutExcluded(record, referenceRegions(record));
}

// ---- Exclusions (tip-off protection) ----

/**
 * The originator's exclusions keep an organization out whatever the handling: by its code, or by
 * the country it is registered in (RILOs and partners have none). Never the Secretariat.
 */
function referenceExcluded(reader: ReferenceOrganization, record: ReferenceRecordState): boolean {
  if (reader.kind === 'secretariat') return false;
  if ((record.excludeOrganizations ?? []).includes(reader.code)) return true;
  return reader.country !== undefined && (record.excludeCountries ?? []).includes(reader.country);
}

/**
 * A regional stream is read by every member of the region's countries and its RILOs, and cannot
 * leave one of them out: an excluded country takes its region's stream away, an excluded
 * organization every stream.
 */
function referenceRegionsWithoutExcluded(record: ReferenceRecordState, regions: string[]): string[] {
  if ((record.excludeOrganizations ?? []).length > 0) return [];
  const excluded: (string | undefined)[] = (record.excludeCountries ?? []).map(
    (country) => MEMBER_COUNTRY_REGIONS[country],
  );
  return regions.filter((region) => !excluded.includes(region));
}

export interface ReferenceSubscription {
  id: string;
  owner: ReferenceOrganization;
  filter: ReferenceFilter;
}

/** One version of a record as the hub stored it: 1 for the submission, then one per revision or withdrawal. */
export interface ReferenceVersion {
  recordId: string;
  version: number;
  state: ReferenceRecordState;
}

/** How the reference names one event: `<record id>@<version>`. */
export const versionKey = (version: { recordId: string; version: number }): string =>
  `${version.recordId}@${version.version}`;

/**
 * What each subscription should receive: a version its organization may read and that its filter
 * accepts, or that follows a record the subscription received an earlier version of.
 */
export function referenceFeeds(
  subscriptions: readonly ReferenceSubscription[],
  versions: readonly ReferenceVersion[],
): Map<string, Set<string>> {
  const expected = new Map(subscriptions.map((subscription) => [subscription.id, new Set<string>()]));
  const received = new Map(subscriptions.map((subscription) => [subscription.id, new Set<string>()]));
  const inOrder = [...versions].sort((a, b) => a.recordId.localeCompare(b.recordId) || a.version - b.version);
  for (const version of inOrder) {
    for (const subscription of subscriptions) {
      const readable = referenceMayRead(subscription.owner, version.state);
      const matched = referenceFilterAccepts(subscription.filter, version.state);
      const follows = version.version > 1 && received.get(subscription.id)!.has(version.recordId);
      if (readable && (matched || follows)) {
        expected.get(subscription.id)!.add(versionKey(version));
        received.get(subscription.id)!.add(version.recordId);
      }
    }
  }
  return expected;
}

/** What each regional stream should carry, by region. */
export function referenceRegionalFeeds(
  regions: readonly string[],
  versions: readonly ReferenceVersion[],
): Map<string, Set<string>> {
  return new Map(
    regions.map((region) => [
      region,
      new Set(
        versions
          .filter((version) => referenceRegionalStreams(version.state).includes(region))
          .map(versionKey),
      ),
    ]),
  );
}

// Recall (issue 13, M-1): what a revision that narrows the audience takes back.

/** How the reference names a recall: the version that narrowed the audience, marked. */
export const recallKey = (version: { recordId: string; version: number }): string =>
  `${versionKey(version)}:recalled`;

/**
 * The recalls each subscription should get: one for each version its organization may not read
 * of a record the subscription holds (it received an earlier version and no recall since).
 */
export function referenceRecalls(
  subscriptions: readonly ReferenceSubscription[],
  versions: readonly ReferenceVersion[],
): Map<string, Set<string>> {
  const recalls = new Map(subscriptions.map((subscription) => [subscription.id, new Set<string>()]));
  const held = new Map(subscriptions.map((subscription) => [subscription.id, new Set<string>()]));
  const inOrder = [...versions].sort((a, b) => a.recordId.localeCompare(b.recordId) || a.version - b.version);
  for (const version of inOrder) {
    for (const subscription of subscriptions) {
      const holding = held.get(subscription.id)!;
      const readable = referenceMayRead(subscription.owner, version.state);
      if (readable) {
        const follows = holding.has(version.recordId);
        if (follows || referenceFilterAccepts(subscription.filter, version.state))
          holding.add(version.recordId);
      } else if (holding.delete(version.recordId)) {
        recalls.get(subscription.id)!.add(recallKey(version));
      }
    }
  }
  return recalls;
}

/** Each record's current (latest) version. */
function currentStates(versions: readonly ReferenceVersion[]): Map<string, ReferenceVersion> {
  const current = new Map<string, ReferenceVersion>();
  for (const version of versions)
    if ((current.get(version.recordId)?.version ?? 0) < version.version)
      current.set(version.recordId, version);
  return current;
}

/**
 * What each channel of a subscription owes once every version is routed. A pull feed serves the
 * versions it was given of records whose current version its organization may still read, and the
 * recalls: `required` is exactly what it serves. A webhook sends the same (`required`), and may have
 * sent a version of a record narrowed since before the narrowing came (`optional`), never after.
 */
export function referenceDeliveries(
  subscriptions: readonly ReferenceSubscription[],
  versions: readonly ReferenceVersion[],
): Map<string, { required: Set<string>; optional: Set<string> }> {
  const given = referenceFeeds(subscriptions, versions);
  const recalls = referenceRecalls(subscriptions, versions);
  const current = currentStates(versions);
  const owed = new Map<string, { required: Set<string>; optional: Set<string> }>();
  for (const subscription of subscriptions) {
    const required = new Set(recalls.get(subscription.id));
    const optional = new Set<string>();
    for (const key of given.get(subscription.id)!) {
      const recordId = key.slice(0, key.lastIndexOf('@'));
      const still = referenceMayRead(subscription.owner, current.get(recordId)!.state);
      (still ? required : optional).add(key);
    }
    owed.set(subscription.id, { required, optional });
  }
  return owed;
}

/** The recalls each regional stream should carry: one for each version that took the record from the region. */
export function referenceRegionalRecalls(
  regions: readonly string[],
  versions: readonly ReferenceVersion[],
): Map<string, Set<string>> {
  const byKey = new Map(versions.map((version) => [versionKey(version), version]));
  return new Map(
    regions.map((region) => [
      region,
      new Set(
        versions
          .filter((version) => {
            const before = byKey.get(
              versionKey({ recordId: version.recordId, version: version.version - 1 }),
            );
            return (
              before !== undefined &&
              referenceRegionalStreams(before.state).includes(region) &&
              !referenceRegionalStreams(version.state).includes(region)
            );
          })
          .map(recallKey),
      ),
    ]),
  );
}

// Who may do what, beyond reading (the authorization matrix compares every endpoint with these).

/** Only the originator revises or withdraws a record. */
export function referenceMayChange(caller: ReferenceOrganization, record: ReferenceRecordState): boolean {
  return caller.code === record.originator.code;
}

/**
 * What a caller is told when it may not change a record: 403 when it may read the record (it
 * knows it exists), otherwise 404, exactly as for a record that does not exist.
 */
export function referenceChangeRefusal(
  caller: ReferenceOrganization,
  record: ReferenceRecordState,
): 403 | 404 {
  return referenceMayRead(caller, record) ? 403 : 404;
}

/**
 * Subscriptions, their feeds, deliveries and secrets are their owner's alone; to every other
 * organization they do not exist (404).
 */
export function referenceMayUseSubscription(caller: ReferenceOrganization, ownerCode: string): boolean {
  return caller.code === ownerCode;
}

/** Any organization may submit records and subscribe, always as itself. */
export function referenceMaySubmit(caller: ReferenceOrganization | undefined): boolean {
  return caller !== undefined;
}

/** The admin API (organizations and API keys) is the operator's token's alone; no organization key opens it. */
export function referenceMayAdminister(caller: { operator: boolean }): boolean {
  return caller.operator;
}
