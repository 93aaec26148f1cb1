import {
  examplePublishedAlert,
  examplePublishedSeizureNotice,
  type PublishedAlert,
  type PublishedSeizureNotice,
} from '@hub/contracts';
import type { OperationReportInput, ReportedOperation } from './operation-report';

// The scripted operation of the report's specs: 3 participants; 5 seizures (2 nuclear under HS 2844
// of 12 kg and 3 kg, 3 chemical under HS 2812 and 2931); 2 alerts; one seizure naming an alert.

export const SCRIPTED_OPERATION: ReportedOperation = {
  code: 'COSMO-3',
  name: 'COSMO III',
  status: 'active',
  period: { start: '2026-05-01T00:00:00.000Z', end: '2026-06-30T23:59:59.000Z' },
  phases: [
    { name: 'Targeting', start: '2026-05-01T00:00:00.000Z', end: '2026-05-31T23:59:59.000Z' },
    { name: 'Interdiction', start: '2026-06-01T00:00:00.000Z', end: '2026-06-30T23:59:59.000Z' },
  ],
  participants: [
    { organization: 'fr-customs', role: 'coordinator' },
    { organization: 'de-zoll', role: 'participant' },
    { organization: 'ke-kra', role: 'participant' },
  ],
};

function seizure(
  id: string,
  originator: string,
  overrides: Partial<PublishedSeizureNotice>,
): PublishedSeizureNotice {
  return {
    ...examplePublishedSeizureNotice(),
    id,
    reference: `REF-${id}`,
    originator,
    handling: 'members',
    recipients: undefined,
    relatedAlerts: [],
    ...overrides,
  };
}

function line(hsCode: string, category: 'nuclear' | 'chemical', kg: number, euros?: number) {
  return {
    hsCode,
    description: `Goods under ${hsCode}`,
    category,
    quantity: { value: kg, unit: 'kg' },
    ...(euros === undefined ? {} : { estimatedValue: { amount: euros, currency: 'EUR' } }),
  };
}

export function scriptedAlerts(): PublishedAlert[] {
  return [
    { ...examplePublishedAlert(), id: 'alert-1', reference: 'FR-ALERT-1', originator: 'fr-customs' },
    {
      ...examplePublishedAlert(),
      id: 'alert-2',
      reference: 'FR-ALERT-2',
      originator: 'fr-customs',
      commodities: [{ hsCode: '284410', description: 'Uranium', category: 'nuclear' }],
    },
  ];
}

export function scriptedSeizures(): PublishedSeizureNotice[] {
  return [
    seizure('seizure-1', 'de-zoll', {
      seizedAt: '2026-05-10T08:00:00.000Z',
      country: 'DE',
      detectionMethod: 'non-intrusive-inspection',
      conveyance: 'sea',
      locationType: 'seaport',
      commodities: [line('284410', 'nuclear', 12, 40000)],
      relatedAlerts: ['alert-2'],
    }),
    seizure('seizure-2', 'de-zoll', {
      seizedAt: '2026-06-02T08:00:00.000Z',
      country: 'DE',
      detectionMethod: 'risk-profiling',
      conveyance: 'road',
      locationType: 'land-border',
      commodities: [line('284430', 'nuclear', 3, 9000.5)],
    }),
    seizure('seizure-3', 'fr-customs', {
      seizedAt: '2026-05-20T08:00:00.000Z',
      country: 'FR',
      detectionMethod: 'intelligence',
      conveyance: 'air',
      locationType: 'airport',
      commodities: [line('281219', 'chemical', 0.1)],
    }),
    seizure('seizure-4', 'fr-customs', {
      seizedAt: '2026-06-15T08:00:00.000Z',
      country: 'FR',
      detectionMethod: 'risk-profiling',
      conveyance: 'sea',
      locationType: 'seaport',
      commodities: [line('293190', 'chemical', 0.2, 150)],
    }),
    seizure('seizure-5', 'fr-customs', {
      seizedAt: '2026-04-20T08:00:00.000Z',
      country: 'KE',
      detectionMethod: 'detector-dog',
      conveyance: 'express',
      locationType: 'airport',
      commodities: [line('281210', 'chemical', 5)],
    }),
  ];
}

export function scriptedReportInput(): OperationReportInput {
  return {
    operation: SCRIPTED_OPERATION,
    seizures: scriptedSeizures(),
    alerts: scriptedAlerts(),
    generatedAt: new Date('2026-07-01T10:00:00.000Z'),
  };
}
