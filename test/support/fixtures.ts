import { randomUUID } from 'node:crypto';
import {
  type Alert,
  exampleAlert,
  examplePublishedAlert,
  exampleSeizureNotice,
  type PublishedAlert,
  type SeizureNotice,
} from '@hub/contracts';

/**
 * The tests' one family of records. Two hand-written scenarios (`sampleAlert`, `sampleSeizure`:
 * what most tests submit and assert on), the standard's own examples from libs/contracts
 * (`standardAlert`, `standardSeizure`, `standardPublishedAlert`: what the API documents show),
 * and small builders to vary them (`commodity`, `routed`). Every submission gets a fresh
 * reference, so files never collide; the generated records of the property test and the fault
 * suite come from intelligence-scenarios.ts, which states them for the reference rules.
 */

export type RecordType = 'alert' | 'seizure';

/** One line of goods, as records and revisions list them. */
export function commodity(hsCode: string, category: string, description: string): Record<string, unknown> {
  return { hsCode, description, category };
}

/** A route (the countries a record concerns besides its parties'). */
export function routed(origin: string, destination: string, transit: string[] = []): Record<string, unknown> {
  return { route: { origin, transit, destination } };
}

/** A well-formed alert: centrifuge parts (dual-use / nuclear) shipped from Asia through the Middle East to Europe. */
export function sampleAlert(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: `FR-ALERT-${randomUUID().slice(0, 8)}`,
    title: 'Maraging steel tubes declared as bicycle frames',
    summary: 'Consignments of high-strength steel tubes, usable for gas centrifuges, declared under HS 8714.',
    severity: 'high',
    kind: 'suspicious-consignment',
    commodities: [
      {
        hsCode: '722830',
        description: 'Maraging steel bars and tubes',
        category: 'dual-use',
        controlListRef: 'EU 1C116',
      },
      { hsCode: '840120', description: 'Machinery for isotopic separation, parts', category: 'nuclear' },
    ],
    route: { origin: 'CN', transit: ['AE'], destination: 'DE' },
    conveyance: 'sea',
    entities: [{ name: 'Example Trading FZE', role: 'consignor', country: 'AE' }],
    identifiers: [{ kind: 'container', value: 'MSCU1234565' }],
    handling: 'members',
    validUntil: '2027-06-30T00:00:00Z',
    language: 'en',
    ...overrides,
  };
}

/** The sample of a type, with overrides. */
export function sampleRecord(
  type: RecordType,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return type === 'alert' ? sampleAlert(overrides) : sampleSeizure(overrides);
}

/** A well-formed seizure notice: chemical weapons precursors found at a seaport in Nigeria. */
export function sampleSeizure(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: `NG-SEIZ-${randomUUID().slice(0, 8)}`,
    seizedAt: '2026-11-20T09:30:00Z',
    country: 'NG',
    customsOffice: 'Apapa Port Command',
    locationType: 'seaport',
    detectionMethod: 'non-intrusive-inspection',
    commodities: [
      {
        hsCode: '293100',
        description: 'Organo-phosphorus compound, CWC Schedule 2 precursor',
        category: 'chemical',
        quantity: { value: 400, unit: 'kg' },
        estimatedValue: { amount: 12000, currency: 'USD' },
      },
    ],
    concealment: 'Drums declared as industrial detergent',
    conveyance: 'sea',
    route: { origin: 'IN', transit: [], destination: 'NG' },
    entities: [{ name: 'Lagos Import Ltd', role: 'consignee', country: 'NG' }],
    identifiers: [{ kind: 'bill-of-lading', value: 'BL-4471203' }],
    relatedAlerts: [],
    narrative: 'X-ray image inconsistent with declaration; laboratory test confirmed the precursor.',
    handling: 'community',
    recipients: [],
    ...overrides,
  };
}

/** The standard's example alert (libs/contracts), under a fresh reference. */
export function standardAlert(): Alert {
  return { ...exampleAlert(), reference: `FR-STD-${randomUUID().slice(0, 8)}` };
}

/** The standard's example seizure notice (libs/contracts), under a fresh reference. */
export function standardSeizure(): SeizureNotice {
  return { ...exampleSeizureNotice(), reference: `DE-STD-${randomUUID().slice(0, 8)}` };
}

/** The standard's example alert as the hub publishes it: the `data` of its events. */
export function standardPublishedAlert(fields: Partial<PublishedAlert> = {}): PublishedAlert {
  return { ...examplePublishedAlert(), ...fields };
}

/** A unique operation code, as the secretariat would name one (`COSMO-1a2b3c4d`). */
export function operationCode(): string {
  return `COSMO-${randomUUID().slice(0, 8)}`;
}

/**
 * A joint operation as the secretariat creates it: running now (a day back to thirty days ahead),
 * with two phases, the given participants (code → role), and overrides.
 */
export function sampleOperation(
  participants: Record<string, 'coordinator' | 'participant' | 'observer'>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const day = 24 * 60 * 60 * 1000;
  const now = Date.now();
  const at = (offsetDays: number): string => new Date(now + offsetDays * day).toISOString();
  return {
    code: operationCode(),
    name: 'COSMO: strategic goods',
    description: 'Joint customs operation on strategic trade control enforcement.',
    period: { start: at(-1), end: at(30) },
    phases: [
      { name: 'Targeting', start: at(-1), end: at(10) },
      { name: 'Interdiction', start: at(10), end: at(30) },
    ],
    participants: Object.entries(participants).map(([organization, role]) => ({ organization, role })),
    ...overrides,
  };
}
