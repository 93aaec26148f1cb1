// The end-of-operation report: figures computed from the hub's own records and their renderings
// (JSON, CSV, HTML with server-rendered SVG charts, in English and French). Import it as '@hub/reporting'.

export {
  NON_MEMBER,
  OUTSIDE_PHASES,
  SEIZURE_BREAKDOWNS,
  buildOperationReport,
  reportRecordsFor,
  type AlertLeadingToSeizures,
  type OperationReport,
  type OperationReportInput,
  type ParticipantActivity,
  type ReportedOperation,
  type ReportRecords,
  type SeizureBreakdown,
  type SeizureCounts,
} from './operation-report';
export { CSV_COLUMNS, CSV_MEDIA_TYPE, renderReportCsv } from './report-csv.renderer';
export { HTML_MEDIA_TYPE, escapeHtml, renderReportHtml } from './report-html.renderer';
export {
  MAX_CONCURRENT_RENDERS,
  renderSvgCharts,
  rendersInProgress,
  type ChartLocale,
  type ChartRenderOptions,
  type VegaLiteSpec,
} from './report-chart.renderer';
export {
  REPORT_LABELS,
  REPORT_LANGUAGES,
  negotiateReportLanguage,
  type ReportLabels,
  type ReportLanguage,
} from './report-language';
export { JSON_MEDIA_TYPE, reportRendering, type ReportRendering } from './report-negotiation';
