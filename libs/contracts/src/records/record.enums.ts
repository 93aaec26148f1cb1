/** Closed vocabularies of the standard; each tuple is the single list behind validation and schemas. */

export const RECORD_TYPES = ['alert', 'seizure'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** low 0 < medium 1 < high 2 < critical 3 (the order of SEVERITIES); -1 for anything else. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export const ALERT_KINDS = [
  'suspicious-consignment',
  'entity-of-concern',
  'modus-operandi',
  'other',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const CONVEYANCES = ['sea', 'air', 'road', 'rail', 'postal', 'express'] as const;
export type Conveyance = (typeof CONVEYANCES)[number];

export const ENTITY_ROLES = ['consignor', 'consignee', 'carrier', 'broker', 'other'] as const;
export type EntityRole = (typeof ENTITY_ROLES)[number];

export const IDENTIFIER_KINDS = [
  'container',
  'bill-of-lading',
  'air-waybill',
  'vessel-imo',
  'vehicle',
  'other',
] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/**
 * Who may read a record: every organization, WCO members (RILOs and the Secretariat too,
 * never partners), members of the concerned regions, only the listed recipients, or the
 * participants of the record's operation (with the Secretariat).
 */
export const HANDLING_CODES = ['community', 'members', 'region', 'restricted', 'operation'] as const;
export type HandlingCode = (typeof HANDLING_CODES)[number];

export const LOCATION_TYPES = [
  'seaport',
  'airport',
  'land-border',
  'inland',
  'postal-centre',
  'free-zone',
] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

export const DETECTION_METHODS = [
  'risk-profiling',
  'intelligence',
  'random-check',
  'non-intrusive-inspection',
  'detector-dog',
  'other',
] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

export const ORGANIZATION_KINDS = ['member', 'rilo', 'partner', 'secretariat'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const RECORD_STATUSES = ['active', 'withdrawn'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** Hub organization codes: short, lowercase, stable (they end up in topic filters and URLs). */
export const ORGANIZATION_CODE_PATTERN = /^[a-z0-9][a-z0-9-]{1,39}$/;

/**
 * A code as a client may type it: letters in either case. The hub lowercases what it accepts, so
 * `FR-Customs` finds `fr-customs`, and only lowercase codes are stored or sent.
 */
export const ORGANIZATION_CODE_INPUT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{1,39}$/;

/**
 * The stored form of a typed code: ASCII capitals lowercased (toLowerCase would also turn the
 * Kelvin sign into a `k`), anything else left for validation to judge.
 */
export function normalizeOrganizationCode(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : value;
}

/** Record references and ids as national systems issue them (case numbers, CEN ids, UUIDs). */
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
