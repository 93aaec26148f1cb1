import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type OperationReport, reportRendering } from '@hub/reporting';
import { ProblemException } from '@hub/platform';
import { Audited } from '../audit/audited';
import { Caller, type CallerOrganization } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import { OperationCodeParam } from './operation-code.param';
import { OPERATION_REPORT_SCHEMA } from './operation-report.schema';
import { OperationReportService } from './operation-report.service';

@ApiTags('operations')
@ApiBearerAuth('api-key')
@ProblemResponses(401, 429)
@Controller('v1/operations')
export class OperationReportController {
  constructor(private readonly reports: OperationReportService) {}

  @Get(':code/report')
  @Audited('operation.report-read', 'operation', 'code')
  @ApiOperation({
    operationId: 'getOperationReport',
    summary:
      "The end-of-operation report, computed from the operation's records the caller may read " +
      '(participants and the Secretariat; 404 for anyone else)',
  })
  @ApiHeader({
    name: 'accept-language',
    required: false,
    description: 'Language of the text/html page: English (default) or French',
  })
  @ApiResponse({
    status: 200,
    description:
      'The report: JSON (default), CSV (`text/csv`: RFC 4180, columns table,key,detail,value, one `table` ' +
      'per breakdown) or a printable page with SVG charts (`text/html`, English or French by Accept-Language)',
    content: {
      'application/json': { schema: OPERATION_REPORT_SCHEMA },
      'text/csv': { schema: { type: 'string' } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ProblemResponses(400, 404, 406)
  async report(
    @Caller() caller: CallerOrganization,
    @Param() params: OperationCodeParam,
    @Headers('accept') accept: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OperationReport | Buffer> {
    const rendering = reportRendering(accept);
    if (rendering === 'not-acceptable') {
      throw new ProblemException(
        406,
        'not-acceptable',
        'Not acceptable',
        'An operation report is served as application/json, text/csv or text/html.',
      );
    }
    const rendered = await this.reports.report(caller, params.code, rendering, acceptLanguage);
    // One URL, several representations and languages: caches must key on both.
    void reply.header('vary', 'accept, accept-language');
    if (typeof rendered.body !== 'string') return rendered.body;
    void reply.header('content-type', rendered.mediaType);
    return Buffer.from(rendered.body, 'utf8');
  }
}
