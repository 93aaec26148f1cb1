import type { Alert } from './alert.record';
import type { PublishedAlert, PublishedSeizureNotice } from './published-record.record';
import type { SeizureNotice } from './seizure-notice.record';

// A real-looking alert and seizure notice: the examples of the API documents and the records of
// the specs. Each call returns a fresh copy a caller may mutate.

export function validAlert(): Alert {
  return {
    reference: 'FR-DNRED-2026/0042',
    title: 'Corrosion-resistant valves declared as plumbing parts',
    summary:
      'Consignments of PTFE-lined valves routed through a free zone, end user linked to a procurement network.',
    severity: 'high',
    kind: 'suspicious-consignment',
    commodities: [
      {
        hsCode: '848180',
        description: 'PTFE-lined valves',
        category: 'dual-use',
        controlListRef: 'EU 2B350',
      },
      { hsCode: '28121900', description: 'Phosphorus chlorides', category: 'chemical' },
    ],
    route: { origin: 'CN', transit: ['AE'], destination: 'IR' },
    conveyance: 'sea',
    entities: [{ name: 'Gulf Trading FZE', role: 'consignee', country: 'AE' }],
    identifiers: [{ kind: 'container', value: 'MSCU1234565' }],
    handling: 'community',
    validUntil: '2027-06-30T23:59:59Z',
    language: 'en',
  };
}

export function validSeizure(): SeizureNotice {
  return {
    reference: 'DE-ZKA-2026-77',
    seizedAt: '2026-03-01T08:30:00+01:00',
    country: 'DE',
    customsOffice: 'Hamburg Waltershof',
    locationType: 'seaport',
    detectionMethod: 'non-intrusive-inspection',
    commodities: [
      {
        hsCode: '284410',
        description: 'Natural uranium compounds',
        category: 'nuclear',
        quantity: { value: 12.5, unit: 'kg' },
        estimatedValue: { amount: 40000, currency: 'EUR' },
      },
    ],
    concealment: 'Lead-lined drums behind machine parts',
    conveyance: 'sea',
    route: { origin: 'KZ', destination: 'BR' },
    entities: [{ name: 'Nordic Metals GmbH', role: 'consignor' }],
    identifiers: [{ kind: 'bill-of-lading', value: 'HLCUHAM260301' }],
    relatedAlerts: ['FR-DNRED-2026/0042'],
    narrative: 'Radiation portal alarm, confirmed by handheld spectrometer.',
    handling: 'restricted',
    recipients: ['rilo-we', 'iaea'],
  };
}

const HUB_FIELDS = {
  id: '0b5e8f0e-6f3c-4c55-9a51-8a1f3cbd2f10',
  version: 1,
  status: 'active',
  originator: 'fr-douane',
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
} as const;

export function publishedAlert(): PublishedAlert {
  return {
    ...validAlert(),
    ...HUB_FIELDS,
    type: 'alert',
    regions: ['asia-pacific', 'europe', 'mena'],
    countries: ['AE', 'CN', 'FR', 'IR'],
  };
}

export function publishedSeizure(): PublishedSeizureNotice {
  return {
    ...validSeizure(),
    ...HUB_FIELDS,
    originator: 'de-zoll',
    type: 'seizure',
    regions: ['americas', 'europe'],
    countries: ['BR', 'DE', 'KZ'],
  };
}
