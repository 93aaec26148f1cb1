import {
  CONVEYANCES,
  DETECTION_METHODS,
  LOCATION_TYPES,
  STRATEGIC_CATEGORIES,
  WCO_REGIONS,
  hsChapter,
  regionOfCountry,
  type PublishedAlert,
  type PublishedRecord,
  type PublishedSeizureNotice,
} from '@hub/contracts';

/**
 * What the report needs of an operation; structurally a subset of the operation contract, so the
 * stored operation can be passed as it is.
 */
export interface ReportedOperation {
  code: string;
  name: string;
  status?: string;
  period: { start: string; end: string };
  phases: readonly { name: string; start: string; end: string }[];
  participants: readonly { organization: string; role: string }[];
}

export interface OperationReportInput {
  operation: ReportedOperation;
  /** The operation's records the caller may read, any version status (withdrawn ones are left out). */
  seizures: readonly PublishedSeizureNotice[];
  alerts: readonly PublishedAlert[];
  /** Records of the operation the caller may not read but may know of (the Secretariat): counted only. */
  withheld?: { seizures: number; alerts: number };
  generatedAt: Date;
}

/** The operation's records split for one reader: what it counts, and what it may know exists. */
export interface ReportRecords {
  seizures: PublishedSeizureNotice[];
  alerts: PublishedAlert[];
  withheld: { seizures: number; alerts: number };
}

/**
 * Splits an operation's current records by what the reader may read. Unreadable ones vanish for a
 * participant (their count alone would tell it what it may not know); the Secretariat, which
 * oversees the operation, gets them as withheld counts with no detail. Withdrawn records count
 * nowhere.
 */
export function reportRecordsFor(
  records: readonly PublishedRecord[],
  mayRead: (record: PublishedRecord) => boolean,
  countsWithheld: boolean,
): ReportRecords {
  const split: ReportRecords = { seizures: [], alerts: [], withheld: { seizures: 0, alerts: 0 } };
  for (const record of records) {
    if (record.status !== 'active') continue;
    if (mayRead(record)) {
      if (record.type === 'seizure') split.seizures.push(record);
      else split.alerts.push(record);
    } else if (countsWithheld) {
      split.withheld[record.type === 'seizure' ? 'seizures' : 'alerts'] += 1;
    }
  }
  return split;
}

/** Seizures per key; a seizure with commodities of two categories counts once in each. */
export type SeizureCounts = Record<string, number>;

/** The breakdowns of the seizures, in report order. */
export const SEIZURE_BREAKDOWNS = [
  'byCategory',
  'byHsChapter',
  'byCountry',
  'byRegion',
  'byDetectionMethod',
  'byConveyance',
  'byPhase',
  'byLocationType',
] as const;
export type SeizureBreakdown = (typeof SEIZURE_BREAKDOWNS)[number];

/** Key of seizures whose date falls in no phase, and of seizures in no WCO member country. */
export const OUTSIDE_PHASES = 'outside-phases';
export const NON_MEMBER = 'non-member';

export interface AlertLeadingToSeizures {
  id: string;
  reference: string;
  originator: string;
  /** Hub ids of the seizures naming the alert in relatedAlerts, sorted. */
  seizures: string[];
}

export interface ParticipantActivity {
  organization: string;
  role: string;
  seizures: number;
  alerts: number;
}

export interface OperationReport {
  operation: {
    code: string;
    name: string;
    status?: string;
    period: { start: string; end: string };
    phases: { name: string; start: string; end: string }[];
  };
  generatedAt: string;
  totals: {
    seizures: number;
    alerts: number;
    alertsLeadingToSeizures: number;
    /** Records counted without any detail: they exist in the operation, the caller may not read them. */
    withheld: { seizures: number; alerts: number };
  };
  seizures: Record<SeizureBreakdown, SeizureCounts>;
  /** Seized quantities per category, then per unit as recorded (units are free text, never converted). */
  quantities: Record<string, Record<string, number>>;
  /** Estimated values per ISO currency (never converted). */
  estimatedValues: Record<string, number>;
  alertsLeadingToSeizures: AlertLeadingToSeizures[];
  participation: {
    registered: number;
    reporting: number;
    silent: number;
    organizations: ParticipantActivity[];
  };
}

/** Zero for every value of a closed vocabulary, so a method never used shows as a gap. */
function zeroed(keys: readonly string[]): SeizureCounts {
  return Object.fromEntries(keys.map((key) => [key, 0]));
}

function increment(counts: SeizureCounts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Open vocabularies (countries, HS chapters) in code order, for stable output. */
function sortedByKey(counts: SeizureCounts): SeizureCounts {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Sums of decimal figures without binary drift (0.1 + 0.2): amounts have at most 4 decimals by
 * contract; quantities are rounded to 9, far below any unit a customs system records.
 */
function addDecimal(total: number | undefined, value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round((total ?? 0) * scale + value * scale) / scale;
}

function phaseOf(operation: ReportedOperation, seizedAt: string): string {
  const at = Date.parse(seizedAt);
  const phase = operation.phases.find(
    (candidate) => Date.parse(candidate.start) <= at && at <= Date.parse(candidate.end),
  );
  return phase?.name ?? OUTSIDE_PHASES;
}

function isActive<T extends PublishedRecord>(record: T): boolean {
  return record.status === 'active';
}

/**
 * The end-of-operation report, computed only from the records given: the caller passes exactly
 * those it may read, so nothing it may not read shapes any figure but the withheld counts.
 */
export function buildOperationReport(input: OperationReportInput): OperationReport {
  const { operation } = input;
  const seizures = input.seizures.filter(isActive);
  const alerts = input.alerts.filter(isActive);

  const byCategory = zeroed(STRATEGIC_CATEGORIES);
  const byHsChapter: SeizureCounts = {};
  const byCountry: SeizureCounts = {};
  const byRegion = zeroed([...WCO_REGIONS, NON_MEMBER]);
  const byDetectionMethod = zeroed(DETECTION_METHODS);
  const byConveyance = zeroed(CONVEYANCES);
  const byPhase = zeroed([...operation.phases.map((phase) => phase.name), OUTSIDE_PHASES]);
  const byLocationType = zeroed(LOCATION_TYPES);
  const quantities: Record<string, Record<string, number>> = {};
  const estimatedValues: Record<string, number> = {};

  for (const seizure of seizures) {
    for (const category of new Set(seizure.commodities.map((line) => line.category))) {
      increment(byCategory, category);
    }
    const chapters = seizure.commodities.map((line) => hsChapter(line.hsCode));
    for (const chapter of new Set(chapters)) if (chapter !== undefined) increment(byHsChapter, chapter);
    increment(byCountry, seizure.country);
    increment(byRegion, regionOfCountry(seizure.country) ?? NON_MEMBER);
    increment(byDetectionMethod, seizure.detectionMethod);
    increment(byConveyance, seizure.conveyance);
    increment(byPhase, phaseOf(operation, seizure.seizedAt));
    increment(byLocationType, seizure.locationType);
    for (const line of seizure.commodities) {
      const units = (quantities[line.category] ??= {});
      units[line.quantity.unit] = addDecimal(units[line.quantity.unit], line.quantity.value, 9);
      if (line.estimatedValue) {
        const { currency, amount } = line.estimatedValue;
        estimatedValues[currency] = addDecimal(estimatedValues[currency], amount, 4);
      }
    }
  }

  const alertsLeadingToSeizures = alertsNamedBy(seizures, alerts);
  const participation = participationIn(operation, seizures, alerts);

  return {
    operation: {
      code: operation.code,
      name: operation.name,
      ...(operation.status === undefined ? {} : { status: operation.status }),
      period: { start: operation.period.start, end: operation.period.end },
      phases: operation.phases.map(({ name, start, end }) => ({ name, start, end })),
    },
    generatedAt: input.generatedAt.toISOString(),
    totals: {
      seizures: seizures.length,
      alerts: alerts.length,
      alertsLeadingToSeizures: alertsLeadingToSeizures.length,
      withheld: { seizures: input.withheld?.seizures ?? 0, alerts: input.withheld?.alerts ?? 0 },
    },
    seizures: {
      byCategory,
      byHsChapter: sortedByKey(byHsChapter),
      byCountry: sortedByKey(byCountry),
      byRegion,
      byDetectionMethod,
      byConveyance,
      byPhase,
      byLocationType,
    },
    quantities: Object.fromEntries(
      STRATEGIC_CATEGORIES.filter((category) => quantities[category]).map((category) => [
        category,
        sortedByKey(quantities[category]),
      ]),
    ),
    estimatedValues: sortedByKey(estimatedValues),
    alertsLeadingToSeizures,
    participation,
  };
}

/**
 * relatedAlerts holds hub ids or references; a reference is unique only per originator, so one
 * the seizure's originator also issued wins, else every readable alert with that reference counts.
 */
function alertsNamedBy(
  seizures: readonly PublishedSeizureNotice[],
  alerts: readonly PublishedAlert[],
): AlertLeadingToSeizures[] {
  const byId = new Map(alerts.map((alert) => [alert.id, alert]));
  const led = new Map<string, Set<string>>();
  for (const seizure of seizures) {
    for (const named of seizure.relatedAlerts ?? []) {
      const matches = matchingAlerts(named, seizure, byId, alerts);
      for (const alert of matches) {
        const seizureIds = led.get(alert.id) ?? new Set<string>();
        seizureIds.add(seizure.id);
        led.set(alert.id, seizureIds);
      }
    }
  }
  return alerts
    .filter((alert) => led.has(alert.id))
    .map((alert) => ({
      id: alert.id,
      reference: alert.reference,
      originator: alert.originator,
      seizures: [...(led.get(alert.id) ?? [])].sort(),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function matchingAlerts(
  named: string,
  seizure: PublishedSeizureNotice,
  byId: ReadonlyMap<string, PublishedAlert>,
  alerts: readonly PublishedAlert[],
): PublishedAlert[] {
  const exact = byId.get(named);
  if (exact) return [exact];
  const sameReference = alerts.filter((alert) => alert.reference === named);
  const own = sameReference.filter((alert) => alert.originator === seizure.originator);
  return own.length > 0 ? own : sameReference;
}

/** Registered: every participant, whatever its role; reporting: those that originated a counted record. */
function participationIn(
  operation: ReportedOperation,
  seizures: readonly PublishedSeizureNotice[],
  alerts: readonly PublishedAlert[],
): OperationReport['participation'] {
  const organizations = operation.participants
    .map(({ organization, role }) => ({
      organization,
      role,
      seizures: seizures.filter((record) => record.originator === organization).length,
      alerts: alerts.filter((record) => record.originator === organization).length,
    }))
    .sort((a, b) => (a.organization < b.organization ? -1 : a.organization > b.organization ? 1 : 0));
  const reporting = organizations.filter((entry) => entry.seizures + entry.alerts > 0).length;
  return {
    registered: organizations.length,
    reporting,
    silent: organizations.length - reporting,
    organizations,
  };
}
