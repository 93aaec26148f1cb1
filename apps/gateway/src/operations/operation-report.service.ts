import { Injectable } from '@nestjs/common';
import { eventFactsOf, mayRead } from '@hub/matching';
import { AuditTrail, RecordListing, operationView, publishedRecord } from '@hub/persistence';
import {
  CSV_MEDIA_TYPE,
  HTML_MEDIA_TYPE,
  JSON_MEDIA_TYPE,
  buildOperationReport,
  negotiateReportLanguage,
  renderReportCsv,
  renderReportHtml,
  reportRecordsFor,
  type OperationReport,
  type ReportRendering,
} from '@hub/reporting';
import { organizationActor, requestTrace } from '../audit/audit-actor';
import type { CallerOrganization } from '../auth/caller';
import { OperationsService } from './operations.service';

export interface RenderedReport {
  mediaType: string;
  body: OperationReport | string;
}

/**
 * The end-of-operation report: the operation as the caller may see it (404 otherwise), its current
 * records split by the handling rule, the figures, one rendering, and the read in the audit trail.
 */
@Injectable()
export class OperationReportService {
  constructor(
    private readonly operations: OperationsService,
    private readonly listing: RecordListing,
    private readonly trail: AuditTrail,
  ) {}

  async report(
    caller: CallerOrganization,
    code: string,
    rendering: Exclude<ReportRendering, 'not-acceptable'>,
    acceptLanguage: string | undefined,
  ): Promise<RenderedReport> {
    const operation = await this.operations.visible(caller, code);
    const records = (await this.listing.ofOperation(operation.code)).map(publishedRecord);
    // The rule has the only word: the same check as every other read, on the current version.
    const split = reportRecordsFor(
      records,
      (record) => mayRead(caller, eventFactsOf(record).audience),
      caller.kind === 'secretariat',
    );
    const generatedAt = new Date();
    const report = buildOperationReport({
      operation: operationView(operation, generatedAt),
      ...split,
      generatedAt,
    });
    const language = negotiateReportLanguage(acceptLanguage);
    const rendered: RenderedReport =
      rendering === 'csv'
        ? { mediaType: `${CSV_MEDIA_TYPE}; charset=utf-8; header=present`, body: renderReportCsv(report) }
        : rendering === 'html'
          ? { mediaType: `${HTML_MEDIA_TYPE}; charset=utf-8`, body: await renderReportHtml(report, language) }
          : { mediaType: JSON_MEDIA_TYPE, body: report };
    await this.trail.append([
      {
        action: 'operation.report-read',
        actor: organizationActor(caller),
        ...requestTrace(caller),
        resourceType: 'operation',
        resourceId: operation.code,
        detail: {
          rendering,
          ...(rendering === 'html' ? { language } : {}),
          seizures: report.totals.seizures,
          alerts: report.totals.alerts,
          withheld: report.totals.withheld,
        },
      },
    ]);
    return rendered;
  }
}
