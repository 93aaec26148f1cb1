import type { OperationReport, SeizureCounts } from './operation-report';
import { renderSvgCharts, type ChartLocale, type VegaLiteSpec } from './report-chart.renderer';
import { REPORT_LABELS, phaseLabel, type ReportLabels, type ReportLanguage } from './report-language';

export const HTML_MEDIA_TYPE = 'text/html';

/** Every piece of text from records or the operation goes through this before it enters the page. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

// French d3 locale for the charts' axes (Vega formats numbers and dates with d3, not Intl).
const FRENCH_CHART_LOCALE: ChartLocale = {
  number: { decimal: ',', thousands: '\u202f', grouping: [3], currency: ['', '\u00a0€'] },
  time: {
    dateTime: '%A %e %B %Y à %X',
    date: '%d/%m/%Y',
    time: '%H:%M:%S',
    periods: ['AM', 'PM'],
    days: ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'],
    shortDays: ['dim.', 'lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.'],
    months: [
      'janvier',
      'février',
      'mars',
      'avril',
      'mai',
      'juin',
      'juillet',
      'août',
      'septembre',
      'octobre',
      'novembre',
      'décembre',
    ],
    shortMonths: [
      'janv.',
      'févr.',
      'mars',
      'avr.',
      'mai',
      'juin',
      'juil.',
      'août',
      'sept.',
      'oct.',
      'nov.',
      'déc.',
    ],
  },
};

const CHART_LOCALES: Record<ReportLanguage, ChartLocale> = { en: {}, fr: FRENCH_CHART_LOCALE };
const CHART_WIDTH = 560;

interface Formats {
  number: (value: number) => string;
  date: (iso: string) => string;
  money: (amount: number, currency: string) => string;
  country: (code: string) => string;
}

function formatsFor(labels: ReportLabels): Formats {
  const numbers = new Intl.NumberFormat(labels.locale, { maximumFractionDigits: 9 });
  const dates = new Intl.DateTimeFormat(labels.locale, { dateStyle: 'long', timeZone: 'UTC' });
  const countries = new Intl.DisplayNames([labels.locale], { type: 'region', fallback: 'code' });
  return {
    number: (value) => numbers.format(value),
    date: (iso) => {
      const at = new Date(iso);
      return Number.isNaN(at.getTime()) ? iso : dates.format(at);
    },
    money: (amount, currency) =>
      new Intl.NumberFormat(labels.locale, { style: 'currency', currency }).format(amount),
    country: (code) => {
      try {
        return countries.of(code) ?? code;
      } catch {
        return code;
      }
    },
  };
}

function barChart(title: string, counts: SeizureCounts, label: (key: string) => string): VegaLiteSpec {
  return {
    description: title,
    width: CHART_WIDTH,
    data: { values: Object.entries(counts).map(([key, seizures]) => ({ label: label(key), seizures })) },
    layer: [
      { mark: { type: 'bar', color: '#1f5f8b' } },
      { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'seizures' } } },
    ],
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: 360 } },
      x: { field: 'seizures', type: 'quantitative', title: null, axis: { tickMinStep: 1, format: 'd' } },
    },
  };
}

/** Phases as bars along the operation's calendar, each labelled with its seizures. */
function phaseTimeline(report: OperationReport, labels: ReportLabels, format: Formats): VegaLiteSpec {
  const values = report.operation.phases.map((phase) => ({
    phase: phase.name,
    start: phase.start,
    end: phase.end,
    seizures: report.seizures.byPhase[phase.name] ?? 0,
    label: `${format.number(report.seizures.byPhase[phase.name] ?? 0)} ${labels.seizures.toLowerCase()}`,
  }));
  return {
    description: labels.byPhase,
    width: CHART_WIDTH,
    data: { values },
    layer: [
      { mark: { type: 'bar', color: '#7a9a3a', cornerRadius: 2 } },
      {
        mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle' },
        encoding: { x: { field: 'start', type: 'temporal' }, text: { field: 'label' } },
      },
    ],
    encoding: {
      y: { field: 'phase', type: 'nominal', sort: null, title: null, axis: { labelLimit: 360 } },
      x: {
        field: 'start',
        type: 'temporal',
        title: null,
        scale: { domain: [report.operation.period.start, report.operation.period.end] },
      },
      x2: { field: 'end' },
    },
  };
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], numeric: number[]): string {
  const head = headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell, index) => `<td${numeric.includes(index) ? ' class="n"' : ''}>${escapeHtml(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function section(id: string, title: string, content: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${content}\n</section>`;
}

function countTable(
  heading: string,
  counts: SeizureCounts,
  label: (key: string) => string,
  labels: ReportLabels,
  format: Formats,
): string {
  const rows = Object.entries(counts).map(([key, value]) => [label(key), format.number(value)]);
  return rows.length === 0
    ? `<p>${escapeHtml(labels.none)}</p>`
    : table([heading, labels.seizures], rows, [1]);
}

const STYLE = `
body { font: 14px/1.45 "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1b1b1b; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
.meta { color: #555; margin: 0 0 1rem; }
.totals { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; }
.totals li { border: 1px solid #ccc; border-radius: 4px; padding: .5rem 1rem; min-width: 8rem; }
.totals strong { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; margin: .5rem 0; min-width: 24rem; }
th, td { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
.note { color: #555; font-size: .9rem; }
@media print { body { margin: 0; max-width: none; } section, figure { break-inside: avoid; } }
`;

/**
 * The report as a printable page for a person: totals, charts (server-rendered inline SVG) and
 * tables, in English or French. Record-derived text is escaped here; chart text by Vega's SVG
 * renderer.
 */
export async function renderReportHtml(report: OperationReport, language: ReportLanguage): Promise<string> {
  const labels = REPORT_LABELS[language];
  const format = formatsFor(labels);
  const { operation, totals, seizures, participation } = report;
  const category = (key: string) => labels.categories[key] ?? key;
  const method = (key: string) => labels.detectionMethods[key] ?? key;
  const region = (key: string) => labels.regions[key] ?? key;

  const [categoryChart, methodChart, phaseChart] = await renderSvgCharts(
    [
      barChart(labels.byCategory, seizures.byCategory, category),
      barChart(labels.byDetectionMethod, seizures.byDetectionMethod, method),
      phaseTimeline(report, labels, format),
    ],
    { locale: CHART_LOCALES[language] },
  );

  const status =
    operation.status === undefined
      ? ''
      : ` · ${escapeHtml(labels.status[operation.status] ?? operation.status)}`;
  const withheld = totals.withheld.seizures + totals.withheld.alerts;
  const summary = [
    [labels.seizures, totals.seizures],
    [labels.alerts, totals.alerts],
    [labels.alertsLeadingToSeizures, totals.alertsLeadingToSeizures],
    ...(withheld > 0 ? [[labels.withheld, withheld] as const] : []),
  ]
    .map(
      ([name, value]) =>
        `<li>${escapeHtml(String(name))}<strong>${format.number(Number(value))}</strong></li>`,
    )
    .join('');

  const phaseRows = [
    ...operation.phases.map((phase) => [
      phase.name,
      format.date(phase.start),
      format.date(phase.end),
      format.number(seizures.byPhase[phase.name] ?? 0),
    ]),
    [phaseLabel(labels, 'outside-phases'), '', '', format.number(seizures.byPhase['outside-phases'] ?? 0)],
  ];
  const quantityRows = Object.entries(report.quantities).flatMap(([key, units]) =>
    Object.entries(units).map(([unit, total]) => [category(key), unit, format.number(total)]),
  );
  const valueRows = Object.entries(report.estimatedValues).map(([currency, total]) => [
    currency,
    format.money(total, currency),
  ]);
  const alertRows = report.alertsLeadingToSeizures.map((alert) => [
    alert.reference,
    alert.originator,
    format.number(alert.seizures.length),
  ]);
  const participantRows = participation.organizations.map((entry) => [
    entry.organization,
    labels.roles[entry.role] ?? entry.role,
    format.number(entry.seizures),
    format.number(entry.alerts),
  ]);

  return `<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${labels.title} · ${operation.name} (${operation.code})`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(operation.name)} <small>(${escapeHtml(operation.code)})</small></h1>
<p class="meta">${escapeHtml(labels.title)}${status}<br>
${escapeHtml(labels.period)}: ${escapeHtml(format.date(operation.period.start))} – ${escapeHtml(format.date(operation.period.end))}<br>
${escapeHtml(labels.generated)}: ${escapeHtml(format.date(report.generatedAt))}</p>
</header>
${section('summary', labels.summary, `<ul class="totals">${summary}</ul>${withheld > 0 ? `<p class="note">${escapeHtml(labels.withheld)}: ${escapeHtml(labels.withheldNote)}.</p>` : ''}`)}
${section('categories', labels.byCategory, `<figure>${categoryChart}</figure>`)}
${section('detection-methods', labels.byDetectionMethod, `<figure>${methodChart}</figure>`)}
${section('phases', labels.byPhase, `<figure>${phaseChart}</figure>\n${table([labels.phase, labels.from, labels.to, labels.seizures], phaseRows, [3])}`)}
${section('regions', labels.byRegion, countTable(labels.region, seizures.byRegion, region, labels, format))}
${section(
  'countries',
  labels.byCountry,
  countTable(
    labels.country,
    seizures.byCountry,
    (code) => `${format.country(code)} (${code})`,
    labels,
    format,
  ),
)}
${section(
  'hs-chapters',
  labels.byHsChapter,
  countTable(labels.chapter, seizures.byHsChapter, (key) => key, labels, format),
)}
${section(
  'conveyances',
  labels.byConveyance,
  countTable(
    labels.conveyance,
    seizures.byConveyance,
    (key) => labels.conveyances[key] ?? key,
    labels,
    format,
  ),
)}
${section(
  'location-types',
  labels.byLocationType,
  countTable(
    labels.locationType,
    seizures.byLocationType,
    (key) => labels.locationTypes[key] ?? key,
    labels,
    format,
  ),
)}
${section('quantities', labels.quantities, quantityRows.length === 0 ? `<p>${escapeHtml(labels.none)}</p>` : table([labels.category, labels.unit, labels.total], quantityRows, [2]))}
${section('values', labels.estimatedValues, valueRows.length === 0 ? `<p>${escapeHtml(labels.none)}</p>` : table([labels.currency, labels.total], valueRows, [1]))}
${section('alerts', labels.alertsLeadingToSeizures, alertRows.length === 0 ? `<p>${escapeHtml(labels.none)}</p>` : table([labels.reference, labels.originator, labels.seizures], alertRows, [2]))}
${section(
  'participation',
  labels.participation,
  `${table(
    [labels.registered, labels.reporting, labels.silent],
    [[participation.registered, participation.reporting, participation.silent].map(format.number)],
    [0, 1, 2],
  )}\n${table([labels.organization, labels.role, labels.seizures, labels.alerts], participantRows, [2, 3])}`,
)}
</body>
</html>
`;
}
