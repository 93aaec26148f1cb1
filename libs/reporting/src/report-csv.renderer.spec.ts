import { parse } from 'csv-parse/sync';
import { buildOperationReport } from './operation-report';
import { CSV_COLUMNS, renderReportCsv } from './report-csv.renderer';
import { scriptedAlerts, scriptedReportInput } from './scripted-operation.fixture';

function rowsOf(csv: string): Record<string, string>[] {
  return parse<Record<string, string>>(csv, { columns: true, relax_column_count: false });
}

function value(rows: Record<string, string>[], table: string, key: string, detail = ''): number {
  const found = rows.filter((row) => row.table === table && row.key === key && row.detail === detail);
  expect(found).toHaveLength(1);
  return Number(found[0].value);
}

describe(renderReportCsv.name, () => {
  it('gives the same figures as the report, one table per breakdown, CRLF lines', () => {
    const csv = renderReportCsv(buildOperationReport(scriptedReportInput()));
    const rows = rowsOf(csv);

    expect(csv.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/\n/);
    expect(value(rows, 'totals', 'seizures')).toBe(5);
    expect(value(rows, 'totals', 'alerts')).toBe(2);
    expect(value(rows, 'byCategory', 'nuclear')).toBe(2);
    expect(value(rows, 'byCategory', 'chemical')).toBe(3);
    expect(value(rows, 'byHsChapter', '28')).toBe(4);
    expect(value(rows, 'byCountry', 'KE')).toBe(1);
    expect(value(rows, 'byRegion', 'europe')).toBe(4);
    expect(value(rows, 'byDetectionMethod', 'risk-profiling')).toBe(2);
    expect(value(rows, 'byPhase', 'outside-phases')).toBe(1);
    expect(value(rows, 'quantities', 'nuclear', 'kg')).toBe(15);
    expect(value(rows, 'quantities', 'chemical', 'kg')).toBe(5.3);
    expect(value(rows, 'estimatedValues', 'EUR')).toBe(49150.5);
    expect(value(rows, 'alertsLeadingToSeizures', 'alert-2', 'FR-ALERT-2')).toBe(1);
    expect(value(rows, 'participation', 'registered')).toBe(3);
    expect(value(rows, 'participation', 'silent')).toBe(1);
    expect(value(rows, 'participantSeizures', 'fr-customs', 'coordinator')).toBe(3);
    expect([...new Set(rows.map((row) => row.table))]).toEqual([
      'totals',
      'byCategory',
      'byHsChapter',
      'byCountry',
      'byRegion',
      'byDetectionMethod',
      'byConveyance',
      'byPhase',
      'byLocationType',
      'quantities',
      'estimatedValues',
      'alertsLeadingToSeizures',
      'participation',
      'participantSeizures',
      'participantAlerts',
    ]);
  });

  it('quotes record-derived text and neutralizes spreadsheet formulas', () => {
    const input = scriptedReportInput();
    const alerts = scriptedAlerts();
    alerts[1] = { ...alerts[1], reference: '=HYPERLINK("x")' };
    const phases = [{ ...input.operation.phases[0], name: 'Phase "one", with\r\nbreak' }];
    const report = buildOperationReport({ ...input, alerts, operation: { ...input.operation, phases } });
    const rows = rowsOf(renderReportCsv(report));

    expect(value(rows, 'byPhase', 'Phase "one", with\r\nbreak')).toBe(2);
    expect(value(rows, 'alertsLeadingToSeizures', 'alert-2', `'=HYPERLINK("x")`)).toBe(1);
  });
});
