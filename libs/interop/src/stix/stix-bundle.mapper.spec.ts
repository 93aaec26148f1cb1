import Ajv2020 from 'ajv/dist/2020';
import { stixBundleViolations } from '../../../../test/support/stix-schemas';
import type { PublishedAlert, PublishedRecord, PublishedSeizureNotice } from '@hub/contracts';
import {
  CUSTOMS_EXTENSION_DEFINITION,
  CUSTOMS_EXTENSION_ID,
  CUSTOMS_EXTENSION_SCHEMA,
} from './customs-extension.definition';
import { stixBundleOf, type StixObject } from './stix-bundle.mapper';
import { uuidV5 } from './stix-identifiers';

// Records as the hub publishes them (every field the mapping reads); each call returns a fresh copy.
function publishedAlert(): PublishedAlert {
  return {
    id: '0b5e8f0e-6f3c-4c55-9a51-8a1f3cbd2f10',
    type: 'alert',
    version: 1,
    status: 'active',
    originator: 'fr-douane',
    regions: ['asia-pacific', 'europe', 'mena'],
    countries: ['AE', 'CN', 'FR', 'IR'],
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    reference: 'FR-DNRED-2026/0042',
    title: 'Corrosion-resistant valves declared as plumbing parts',
    summary: 'PTFE-lined valves routed through a free zone, end user linked to a procurement network.',
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

function publishedSeizure(): PublishedSeizureNotice {
  return {
    id: '7a0c3d52-8f1e-4b7a-9c2d-5e6f7a8b9c0d',
    type: 'seizure',
    version: 1,
    status: 'active',
    originator: 'de-zoll',
    regions: ['americas', 'europe'],
    countries: ['BR', 'DE', 'KZ'],
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
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

function byType(objects: readonly StixObject[], type: string): StixObject[] {
  return objects.filter((object) => object.type === type);
}

function only(objects: readonly StixObject[], type: string): StixObject {
  const found = byType(objects, type);
  expect(found).toHaveLength(1);
  return found[0];
}

const customsExtension = new Ajv2020({ strict: true, allErrors: true })
  .addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  .addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
  .compile(CUSTOMS_EXTENSION_SCHEMA);

describe(stixBundleOf.name, () => {
  it('derives UUIDv5 ids as RFC 9562 does', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  const samples: [string, () => PublishedRecord][] = [
    ['an alert', publishedAlert],
    ['a seizure notice', publishedSeizure],
    [
      'a withdrawn alert',
      () => ({
        ...publishedAlert(),
        version: 2,
        status: 'withdrawn',
        withdrawnAt: '2026-03-02T10:00:00.000Z',
        updatedAt: '2026-03-02T10:00:00.000Z',
      }),
    ],
    [
      'a bare seizure notice (no route, parties, identifiers or narrative)',
      () => {
        const {
          route: _route,
          entities: _entities,
          identifiers: _identifiers,
          narrative: _narrative,
          concealment: _concealment,
          relatedAlerts: _related,
          ...bare
        } = publishedSeizure();
        return { ...bare, handling: 'members', recipients: [] };
      },
    ],
  ];

  it.each(samples)('renders %s as a bundle valid against the OASIS STIX 2.1 schemas', (_name, sample) => {
    const bundle = stixBundleOf(sample());
    expect(stixBundleViolations(bundle)).toEqual([]);
    const report = only(bundle.objects, 'report');
    const extension = (report.extensions as Record<string, unknown>)[CUSTOMS_EXTENSION_ID];
    expect(customsExtension(extension)).toBe(true);
    // Every reference resolves inside the bundle, so a platform importing it needs nothing else.
    const ids = new Set(bundle.objects.map((object) => object.id));
    for (const object of bundle.objects) {
      for (const [key, value] of Object.entries(object)) {
        const refs = key.endsWith('_ref') ? [value] : key.endsWith('_refs') ? (value as unknown[]) : [];
        for (const ref of refs) expect(ids).toContain(ref);
      }
    }
  });

  it('is checked by a validator that refuses what the OASIS schemas refuse', () => {
    const bundle = stixBundleOf(publishedSeizure());
    const broken = bundle.objects.map((object) => {
      if (object.type === 'report') return { ...object, object_refs: [] };
      if (object.type === 'location')
        return { ...object, country: undefined, created: '2026-01-01T00:00:00Z' };
      if (object.type === 'note') return { ...object, content: undefined };
      return object;
    });
    const violations = stixBundleViolations({ ...bundle, objects: broken });
    expect(violations.some((violation) => violation.startsWith('report--'))).toBe(true);
    expect(violations.some((violation) => violation.startsWith('location--'))).toBe(true);
    expect(violations.some((violation) => violation.startsWith('note--'))).toBe(true);
    expect(stixBundleViolations({ ...bundle, id: 'bundle--not-a-uuid' })).not.toEqual([]);
  });

  it('renders the same record version the same way every time, and each version as its own report', () => {
    const first = stixBundleOf(publishedAlert());
    expect(stixBundleOf(publishedAlert())).toEqual(first);
    const revised = stixBundleOf({ ...publishedAlert(), version: 2, updatedAt: '2026-03-05T00:00:00.000Z' });
    expect(revised.id).not.toBe(first.id);
    expect(only(revised.objects, 'report').id).not.toBe(only(first.objects, 'report').id);
    // Organizations, countries, markings and the extension definition are one object each, everywhere.
    const shared = (bundle: typeof first): string[] =>
      bundle.objects.filter((object) => !['report', 'note'].includes(object.type)).map((object) => object.id);
    expect(shared(revised)).toEqual(shared(first));
  });

  it('maps an alert to a report by its originator, with the route countries and the customs properties', () => {
    const alert = publishedAlert();
    const { objects } = stixBundleOf(alert);
    const report = only(objects, 'report');
    const originator = byType(objects, 'identity').find((identity) => identity.name === alert.originator);
    expect(report).toMatchObject({
      name: alert.title,
      description: alert.summary,
      created: '2026-03-01T09:00:00.000Z',
      published: '2026-03-01T09:00:00.000Z',
      created_by_ref: originator?.id,
      lang: 'en',
      labels: ['customs-alert', 'dual-use', 'chemical'],
    });
    expect(byType(objects, 'location').map((location) => location.country)).toEqual(['AE', 'CN', 'IR']);
    expect(report.object_refs).toEqual([
      originator?.id,
      ...byType(objects, 'location').map((location) => location.id),
    ]);
    expect((report.extensions as Record<string, unknown>)[CUSTOMS_EXTENSION_ID]).toMatchObject({
      record_type: 'alert',
      record_id: alert.id,
      record_version: 1,
      reference: alert.reference,
      handling: 'community',
      hs_codes: ['28121900', '848180'],
      strategic_categories: ['chemical', 'dual-use'],
      commodities: [
        {
          hs_code: '848180',
          description: 'PTFE-lined valves',
          category: 'dual-use',
          control_list_ref: 'EU 2B350',
        },
        { hs_code: '28121900', description: 'Phosphorus chlorides', category: 'chemical' },
      ],
      conveyance: 'sea',
      identifiers: [{ kind: 'container', value: 'MSCU1234565' }],
      parties: [{ name: 'Gulf Trading FZE', role: 'consignee', country: 'AE' }],
      route: { origin: 'CN', transit: ['AE'], destination: 'IR' },
      alert_severity: 'high',
      alert_kind: 'suspicious-consignment',
      valid_until: '2027-06-30T23:59:59.000Z',
    });
    expect(byType(objects, 'extension-definition')).toEqual([CUSTOMS_EXTENSION_DEFINITION]);
    expect(byType(objects, 'note')).toEqual([]);
  });

  it('maps a seizure notice with quantities, detection method and its concealment as a note', () => {
    const seizure = publishedSeizure();
    const { objects } = stixBundleOf(seizure);
    const report = only(objects, 'report');
    expect(report.description).toBe(seizure.narrative);
    expect((report.extensions as Record<string, unknown>)[CUSTOMS_EXTENSION_ID]).toMatchObject({
      record_type: 'seizure',
      seized_at: '2026-03-01T07:30:00.000Z',
      seizure_country: 'DE',
      customs_office: 'Hamburg Waltershof',
      location_type: 'seaport',
      detection_method: 'non-intrusive-inspection',
      commodities: [
        {
          hs_code: '284410',
          category: 'nuclear',
          quantity: { value: 12.5, unit: 'kg' },
          estimated_value: { amount: 40000, currency: 'EUR' },
        },
      ],
      related_alerts: ['FR-DNRED-2026/0042'],
      recipients: ['rilo-we', 'iaea'],
    });
    expect(byType(objects, 'location').map((location) => location.country)).toEqual(['BR', 'DE', 'KZ']);
    expect(only(objects, 'note')).toMatchObject({ content: seizure.concealment, object_refs: [report.id] });
  });

  it.each([
    ['community', 'TLP:GREEN'],
    ['members', 'TLP:AMBER'],
    ['region', 'TLP:AMBER'],
    ['restricted', 'TLP:AMBER+STRICT'],
  ] as const)('marks a %s record %s, on the report and its note', (handling, label) => {
    const { objects } = stixBundleOf({
      ...publishedSeizure(),
      handling,
      recipients: handling === 'restricted' ? ['iaea'] : [],
    });
    const marking = only(objects, 'marking-definition');
    expect(marking.name).toBe(label);
    expect(only(objects, 'report').object_marking_refs).toEqual([marking.id]);
    expect(only(objects, 'note').object_marking_refs).toEqual([marking.id]);
  });

  it("carries the originator's exclusions, so that whoever re-shares the report honours them", () => {
    const { objects } = stixBundleOf({
      ...publishedSeizure(),
      handling: 'region',
      recipients: [],
      excludeOrganizations: ['rilo-ap'],
      excludeCountries: ['KR'],
    });
    const report = only(objects, 'report');
    expect((report.extensions as Record<string, unknown>)[CUSTOMS_EXTENSION_ID]).toMatchObject({
      exclude_organizations: ['rilo-ap'],
      exclude_countries: ['KR'],
    });
  });

  it('revokes the report of a withdrawn version', () => {
    const { objects } = stixBundleOf({
      ...publishedAlert(),
      version: 2,
      status: 'withdrawn',
      withdrawnAt: '2026-03-02T10:00:00Z',
    });
    expect(only(objects, 'report')).toMatchObject({ revoked: true });
    expect(
      stixBundleOf(publishedAlert()).objects.find((object) => object.type === 'report')?.revoked,
    ).toBeUndefined();
  });
});
