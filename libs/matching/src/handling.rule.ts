import {
  ORGANIZATION_CODE_PATTERN,
  ORGANIZATION_KINDS,
  WCO_REGIONS,
  isRegionCode,
  regionOfCountry,
  type HandlingCode,
  type OrganizationKind,
  type RegionCode,
} from '@hub/contracts';

/** The organization asking to read: from its registration, never from the request. */
export interface ReaderProfile {
  code: string;
  kind: OrganizationKind;
  /** Members: ISO alpha-2 code of the administration's country. */
  country?: string;
  /** RILOs: the region they serve. Members: optional, must agree with the country's region. */
  region?: RegionCode;
  /**
   * Codes of the joint operations the organization takes part in now (any role), as the hub's
   * operation registry says at the time of the decision; absent means none.
   */
  operations?: readonly string[];
}

/** What the rule needs to know about a record. */
export interface RecordAudience {
  originator: string;
  handling: HandlingCode;
  regions: readonly RegionCode[];
  recipients: readonly string[];
  /** Organizations the originator keeps out, whatever the handling (tip-off protection). */
  excludeOrganizations: readonly string[];
  /** ISO alpha-2 countries whose registered organizations the originator keeps out. */
  excludeCountries: readonly string[];
  /** The joint operation the record belongs to, if any (its code). */
  operation?: string;
}

/** Members, RILOs and the Secretariat form the WCO community; partners (INTERPOL, UNODC...) do not. */
const WCO_KINDS: readonly OrganizationKind[] = ['member', 'rilo', 'secretariat'];

/** The reader's operation codes; anything that is not a list of strings counts as none (fail closed). */
function operationsOf(reader: ReaderProfile): string[] {
  const operations: unknown = reader.operations;
  if (!Array.isArray(operations)) return [];
  return operations.filter((code): code is string => typeof code === 'string');
}

function isKnownReader(reader: ReaderProfile): boolean {
  return (
    typeof reader.code === 'string' &&
    ORGANIZATION_CODE_PATTERN.test(reader.code) &&
    ORGANIZATION_KINDS.includes(reader.kind)
  );
}

/**
 * The region on whose behalf the reader reads 'region' records, or undefined when it has none
 * it can prove: a member by its country (a declared region must agree), a RILO by its region.
 */
function readerRegion(reader: ReaderProfile): RegionCode | undefined {
  if (reader.kind === 'member') {
    const region = typeof reader.country === 'string' ? regionOfCountry(reader.country) : undefined;
    if (region === undefined || (reader.region !== undefined && reader.region !== region)) return undefined;
    return region;
  }
  if (reader.kind === 'rilo') return isRegionCode(reader.region) ? reader.region : undefined;
  return undefined;
}

/**
 * Whether the originator kept this reader out: by its code, or by the country it is registered in
 * (a RILO has none). The Secretariat never is: the protection is against the parties concerned,
 * not the WCO. A list that is not a list keeps everyone out (fail closed).
 */
function isExcluded(reader: ReaderProfile, record: RecordAudience): boolean {
  if (reader.kind === 'secretariat') return false;
  const { excludeOrganizations, excludeCountries } = record;
  if (!Array.isArray(excludeOrganizations) || !Array.isArray(excludeCountries)) return true;
  return (
    excludeOrganizations.includes(reader.code) ||
    (typeof reader.country === 'string' && excludeCountries.includes(reader.country))
  );
}

/**
 * THE rule deciding who may read a record; REST reads, matching and delivery all call it.
 * The originator always may. An organization the originator excluded (by code or country) never
 * may, the Secretariat excepted. Otherwise by handling: 'community' everyone; 'members' members,
 * RILOs and the Secretariat; 'region' the Secretariat and members or RILOs of one of the
 * record's regions; 'restricted' only the listed recipients; 'operation' the Secretariat and the
 * participants (any role) of the record's operation. Anything unknown or missing (handling,
 * reader kind, a member's region, the record's regions, an operation record's operation) denies.
 */
export function mayRead(reader: ReaderProfile, record: RecordAudience): boolean {
  if (!isKnownReader(reader)) return false;
  if (record.originator === reader.code) return true;
  if (isExcluded(reader, record)) return false;
  switch (record.handling) {
    case 'community':
      return true;
    case 'members':
      return WCO_KINDS.includes(reader.kind);
    case 'region': {
      // Only real region codes count: a record whose regions are all unknown reaches no one.
      const regions = Array.isArray(record.regions) ? record.regions.filter(isRegionCode) : [];
      if (regions.length === 0) return false;
      if (reader.kind === 'secretariat') return true;
      const region = readerRegion(reader);
      return region !== undefined && regions.includes(region);
    }
    case 'restricted':
      return Array.isArray(record.recipients) && record.recipients.includes(reader.code);
    case 'operation':
      if (typeof record.operation !== 'string' || record.operation.length === 0) return false;
      if (reader.kind === 'secretariat') return true;
      return operationsOf(reader).includes(record.operation);
    default:
      return false;
  }
}

/**
 * The same rule as data, for list queries. A stored record is readable when
 *   originator = originatorCode
 *   OR (NOT excluded AND (handling IN handlingAnywhere
 *     OR (handling = 'region' AND regions overlap handlingInRegions.regions)
 *     OR (handling = 'restricted' AND recipientCode IN recipients)
 *     OR (handling = 'operation' AND operation IN operations)))
 * ('operation' is in handlingAnywhere for the Secretariat, with the operation named)
 * where excluded is `excludedCode IN excludeOrganizations OR excludedCountry IN excludeCountries`.
 * In SQL: `originator_code = $1 OR (NOT (COALESCE($5 = ANY(exclude_organizations), false) OR
 * COALESCE($6 = ANY(exclude_countries), false)) AND (handling = ANY($2) OR (handling = 'region'
 * AND regions && $3) OR (handling = 'restricted' AND $4 = ANY(recipients))))`. The codes are null
 * for a reader the rule does not know, and a comparison with NULL is never true, so such a reader
 * gets no row; a null excludedCode or excludedCountry (the Secretariat, a reader without a
 * country) excludes nothing.
 */
export interface ReadScope {
  originatorCode: string | null;
  recipientCode: string | null;
  handlingAnywhere: HandlingCode[];
  handlingInRegions?: { handling: 'region'; regions: RegionCode[] };
  excludedCode: string | null;
  excludedCountry: string | null;
  /** Operations whose 'operation' records the reader reads (the Secretariat reads them all: see handlingAnywhere). */
  operations: string[];
}

export function readScope(reader: ReaderProfile): ReadScope {
  if (!isKnownReader(reader)) {
    return {
      originatorCode: null,
      recipientCode: null,
      handlingAnywhere: [],
      excludedCode: null,
      excludedCountry: null,
      operations: [],
    };
  }
  const secretariat = reader.kind === 'secretariat';
  const scope: ReadScope = {
    originatorCode: reader.code,
    recipientCode: reader.code,
    handlingAnywhere: ['community'],
    excludedCode: secretariat ? null : reader.code,
    excludedCountry: !secretariat && typeof reader.country === 'string' ? reader.country : null,
    operations: secretariat ? [] : operationsOf(reader),
  };
  if (WCO_KINDS.includes(reader.kind)) scope.handlingAnywhere.push('members');
  // The Secretariat reads every operation's records (mayRead still asks that one be named).
  if (secretariat) scope.handlingAnywhere.push('operation');
  // The Secretariat reads 'region' records of any region, but never one with no region at all.
  if (secretariat) {
    scope.handlingInRegions = { handling: 'region', regions: [...WCO_REGIONS] };
  } else {
    const region = readerRegion(reader);
    if (region !== undefined) scope.handlingInRegions = { handling: 'region', regions: [region] };
  }
  return scope;
}
