import { stringify } from 'csv-stringify/sync';
import { type OperationReport, SEIZURE_BREAKDOWNS, type SeizureCounts } from './operation-report';

export const CSV_MEDIA_TYPE = 'text/csv';

/** The columns of every table: RFC 4180 wants the same number of fields on every line. */
export const CSV_COLUMNS = ['table', 'key', 'detail', 'value'] as const;

type CsvRow = [table: string, key: string, detail: string, value: number];

function countRows(table: string, counts: SeizureCounts): CsvRow[] {
  return Object.entries(counts).map(([key, value]) => [table, key, '', value]);
}

/**
 * The report as one CSV document holding one table per breakdown, told apart by the `table`
 * column (a long format any spreadsheet can pivot). Keys stay codes, never translated labels, so
 * figures from different languages and operations line up.
 */
export function renderReportCsv(report: OperationReport): string {
  const { totals, seizures, participation } = report;
  const rows: CsvRow[] = [
    ['totals', 'seizures', '', totals.seizures],
    ['totals', 'alerts', '', totals.alerts],
    ['totals', 'alertsLeadingToSeizures', '', totals.alertsLeadingToSeizures],
    ['totals', 'withheldSeizures', '', totals.withheld.seizures],
    ['totals', 'withheldAlerts', '', totals.withheld.alerts],
    ...SEIZURE_BREAKDOWNS.flatMap((breakdown) => countRows(breakdown, seizures[breakdown])),
    ...Object.entries(report.quantities).flatMap(([category, units]) =>
      Object.entries(units).map(([unit, total]): CsvRow => ['quantities', category, unit, total]),
    ),
    ...Object.entries(report.estimatedValues).map(([currency, total]): CsvRow => [
      'estimatedValues',
      currency,
      '',
      total,
    ]),
    ...report.alertsLeadingToSeizures.map((alert): CsvRow => [
      'alertsLeadingToSeizures',
      alert.id,
      alert.reference,
      alert.seizures.length,
    ]),
    ['participation', 'registered', '', participation.registered],
    ['participation', 'reporting', '', participation.reporting],
    ['participation', 'silent', '', participation.silent],
    ...participation.organizations.flatMap((entry): CsvRow[] => [
      ['participantSeizures', entry.organization, entry.role, entry.seizures],
      ['participantAlerts', entry.organization, entry.role, entry.alerts],
    ]),
  ];
  // A leading = + - @ would run as a formula in a spreadsheet; text fields come from records.
  const guarded = rows.map(([table, key, detail, value]) => [
    table,
    neutralized(key),
    neutralized(detail),
    value,
  ]);
  return stringify(guarded, { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' });
}

/** OWASP's CSV injection advice: prefix a cell that starts like a formula with a single quote. */
function neutralized(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}
