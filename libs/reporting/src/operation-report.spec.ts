import { buildOperationReport, reportRecordsFor } from './operation-report';
import { scriptedAlerts, scriptedReportInput, scriptedSeizures } from './scripted-operation.fixture';

describe(buildOperationReport.name, () => {
  it('computes the scripted operation figures', () => {
    const report = buildOperationReport(scriptedReportInput());

    expect(report.operation.code).toBe('COSMO-3');
    expect(report.generatedAt).toBe('2026-07-01T10:00:00.000Z');
    expect(report.totals).toEqual({
      seizures: 5,
      alerts: 2,
      alertsLeadingToSeizures: 1,
      withheld: { seizures: 0, alerts: 0 },
    });
    expect(report.seizures.byCategory).toEqual({
      nuclear: 2,
      chemical: 3,
      biological: 0,
      missile: 0,
      'conventional-arms': 0,
      'dual-use': 0,
      other: 0,
    });
    expect(report.seizures.byHsChapter).toEqual({ '28': 4, '29': 1 });
    expect(report.seizures.byCountry).toEqual({ DE: 2, FR: 2, KE: 1 });
    expect(report.seizures.byRegion).toEqual({
      americas: 0,
      europe: 4,
      'asia-pacific': 0,
      'east-southern-africa': 1,
      'west-central-africa': 0,
      mena: 0,
      'non-member': 0,
    });
    expect(report.seizures.byDetectionMethod).toEqual({
      'risk-profiling': 2,
      intelligence: 1,
      'random-check': 0,
      'non-intrusive-inspection': 1,
      'detector-dog': 1,
      other: 0,
    });
    expect(report.seizures.byConveyance).toEqual({
      sea: 2,
      air: 1,
      road: 1,
      rail: 0,
      postal: 0,
      express: 1,
    });
    expect(report.seizures.byPhase).toEqual({ Targeting: 2, Interdiction: 2, 'outside-phases': 1 });
    expect(report.seizures.byLocationType).toEqual({
      seaport: 2,
      airport: 2,
      'land-border': 1,
      inland: 0,
      'postal-centre': 0,
      'free-zone': 0,
    });
    // 0.1 + 0.2 + 5 would be 5.300000000000001 in plain floating point.
    expect(report.quantities).toEqual({ nuclear: { kg: 15 }, chemical: { kg: 5.3 } });
    expect(report.estimatedValues).toEqual({ EUR: 49150.5 });
    expect(report.alertsLeadingToSeizures).toEqual([
      { id: 'alert-2', reference: 'FR-ALERT-2', originator: 'fr-customs', seizures: ['seizure-1'] },
    ]);
    expect(report.participation).toEqual({
      registered: 3,
      reporting: 2,
      silent: 1,
      organizations: [
        { organization: 'de-zoll', role: 'participant', seizures: 2, alerts: 0 },
        { organization: 'fr-customs', role: 'coordinator', seizures: 3, alerts: 2 },
        { organization: 'ke-kra', role: 'participant', seizures: 0, alerts: 0 },
      ],
    });
  });

  it('counts only the records it is given, and withheld ones without detail', () => {
    const readable = scriptedSeizures().filter((record) => record.originator === 'de-zoll');
    const report = buildOperationReport({
      ...scriptedReportInput(),
      seizures: readable,
      alerts: [],
      withheld: { seizures: 3, alerts: 2 },
    });

    expect(report.totals).toEqual({
      seizures: 2,
      alerts: 0,
      alertsLeadingToSeizures: 0,
      withheld: { seizures: 3, alerts: 2 },
    });
    expect(report.seizures.byCountry).toEqual({ DE: 2 });
    expect(report.seizures.byCategory.chemical).toBe(0);
    expect(report.quantities).toEqual({ nuclear: { kg: 15 } });
    expect(report.participation.reporting).toBe(1);
    expect(report.participation.organizations).toContainEqual({
      organization: 'fr-customs',
      role: 'coordinator',
      seizures: 0,
      alerts: 0,
    });
  });

  it('leaves withdrawn records out', () => {
    const seizures = scriptedSeizures();
    seizures[0] = { ...seizures[0], status: 'withdrawn', version: 2 };
    const report = buildOperationReport({ ...scriptedReportInput(), seizures });

    expect(report.totals.seizures).toBe(4);
    expect(report.quantities.nuclear).toEqual({ kg: 3 });
    expect(report.alertsLeadingToSeizures).toEqual([]);
  });

  it('counts a seizure once per category and chapter it holds, and each line in the quantities', () => {
    const [first] = scriptedSeizures();
    const mixed = {
      ...first,
      commodities: [
        ...first.commodities,
        { ...first.commodities[0], hsCode: '284420' },
        {
          hsCode: '848180',
          description: 'Valves',
          category: 'dual-use' as const,
          quantity: { value: 40, unit: 'pcs' },
          estimatedValue: { amount: 10, currency: 'USD' },
        },
      ],
    };
    const report = buildOperationReport({ ...scriptedReportInput(), seizures: [mixed] });

    expect(report.totals.seizures).toBe(1);
    expect(report.seizures.byCategory).toMatchObject({ nuclear: 1, 'dual-use': 1 });
    expect(report.seizures.byHsChapter).toEqual({ '28': 1, '84': 1 });
    expect(report.quantities).toEqual({ nuclear: { kg: 24 }, 'dual-use': { pcs: 40 } });
    expect(report.estimatedValues).toEqual({ EUR: 80000, USD: 10 });
  });

  it('resolves related alerts by reference, preferring the seizure originator own alert', () => {
    const alerts = scriptedAlerts();
    const foreign = { ...alerts[0], id: 'alert-3', originator: 'de-zoll', reference: 'SHARED-1' };
    const own = { ...alerts[1], id: 'alert-4', originator: 'fr-customs', reference: 'SHARED-1' };
    const seizures = scriptedSeizures().map((record) => ({ ...record, relatedAlerts: [] as string[] }));
    seizures[2] = { ...seizures[2], relatedAlerts: ['SHARED-1', 'unknown-alert'] };
    const report = buildOperationReport({
      ...scriptedReportInput(),
      alerts: [...alerts, foreign, own],
      seizures,
    });

    expect(report.alertsLeadingToSeizures).toEqual([
      { id: 'alert-4', reference: 'SHARED-1', originator: 'fr-customs', seizures: ['seizure-3'] },
    ]);
  });

  it('puts seizures in no member country under non-member and keeps phase bounds inclusive', () => {
    const [first] = scriptedSeizures();
    const report = buildOperationReport({
      ...scriptedReportInput(),
      seizures: [
        { ...first, id: 'a', country: 'DM', seizedAt: '2026-05-31T23:59:59.000Z' },
        { ...first, id: 'b', seizedAt: '2026-06-01T00:00:00.000Z' },
      ],
    });

    expect(report.seizures.byRegion['non-member']).toBe(1);
    expect(report.seizures.byCountry).toEqual({ DE: 1, DM: 1 });
    expect(report.seizures.byPhase).toEqual({ Targeting: 1, Interdiction: 1, 'outside-phases': 0 });
  });
});

describe(reportRecordsFor.name, () => {
  const records = [...scriptedSeizures(), ...scriptedAlerts()];
  const byDeZoll = (record: { originator: string }) => record.originator === 'de-zoll';

  it('keeps what the reader may read and drops the rest for a participant', () => {
    const split = reportRecordsFor(records, byDeZoll, false);

    expect(split.seizures.map((record) => record.id)).toEqual(['seizure-1', 'seizure-2']);
    expect(split.alerts).toEqual([]);
    expect(split.withheld).toEqual({ seizures: 0, alerts: 0 });
  });

  it('counts the unreadable ones as withheld for the Secretariat', () => {
    const split = reportRecordsFor(records, byDeZoll, true);

    expect(split.seizures).toHaveLength(2);
    expect(split.withheld).toEqual({ seizures: 3, alerts: 2 });
  });

  it('counts withdrawn records nowhere', () => {
    const withdrawn = records.map((record) => ({ ...record, status: 'withdrawn' as const }));

    expect(reportRecordsFor(withdrawn, () => false, true)).toEqual({
      seizures: [],
      alerts: [],
      withheld: { seizures: 0, alerts: 0 },
    });
  });
});
