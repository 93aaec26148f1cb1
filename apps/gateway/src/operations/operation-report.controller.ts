import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type OperationReport, reportRendering } from '@hub/reporting';
import { ProblemException } from '@hub/platform';
import { Audited } from '../audit/audited';
import { Caller, type CallerOrganization } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import { OperationCodeParam } from './operation-code.param';
import { OperationReportService } from './operation-report.service';

const COUNTS = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } };
const REPORT_SCHEMA = {
  type: 'object',
  required: [
    'operation',
    'generatedAt',
    'totals',
    'seizures',
    'quantities',
    'estimatedValues',
    'alertsLeadingToSeizures',
    'participation',
  ],
  properties: {
    operation: {
      type: 'object',
      required: ['code', 'name', 'period', 'phases'],
      properties: {
        code: { type: 'string' },
        name: { type: 'string' },
        status: { type: 'string', enum: ['planned', 'active', 'closed'] },
        period: { $ref: '#/components/schemas/OperationPeriod' },
        phases: { type: 'array', items: { $ref: '#/components/schemas/OperationPhase' } },
      },
    },
    generatedAt: { type: 'string', format: 'date-time' },
    totals: {
      type: 'object',
      required: ['seizures', 'alerts', 'alertsLeadingToSeizures', 'withheld'],
      properties: {
        seizures: { type: 'integer' },
        alerts: { type: 'integer' },
        alertsLeadingToSeizures: { type: 'integer' },
        withheld: {
          type: 'object',
          description:
            'Records of the operation the caller may not read (the Secretariat only): counted, no detail',
          required: ['seizures', 'alerts'],
          properties: { seizures: { type: 'integer' }, alerts: { type: 'integer' } },
        },
      },
    },
    seizures: {
      type: 'object',
      description:
        'Seizures per key. Categories and HS chapters: a seizure counts once in each it has a line of. ' +
        "Regions: 'non-member' for a country outside the WCO. Phases: 'outside-phases' for a date in none.",
      required: [
        'byCategory',
        'byHsChapter',
        'byCountry',
        'byRegion',
        'byDetectionMethod',
        'byConveyance',
        'byPhase',
        'byLocationType',
      ],
      properties: Object.fromEntries(
        [
          'byCategory',
          'byHsChapter',
          'byCountry',
          'byRegion',
          'byDetectionMethod',
          'byConveyance',
          'byPhase',
          'byLocationType',
        ].map((name) => [name, COUNTS]),
      ),
    },
    quantities: {
      type: 'object',
      description: 'Per strategic category, then per unit as recorded (never converted)',
      additionalProperties: { type: 'object', additionalProperties: { type: 'number' } },
    },
    estimatedValues: {
      type: 'object',
      description: 'Per ISO 4217 currency (never converted)',
      additionalProperties: { type: 'number' },
    },
    alertsLeadingToSeizures: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'reference', 'originator', 'seizures'],
        properties: {
          id: { type: 'string' },
          reference: { type: 'string' },
          originator: { type: 'string' },
          seizures: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    participation: {
      type: 'object',
      required: ['registered', 'reporting', 'silent', 'organizations'],
      properties: {
        registered: { type: 'integer' },
        reporting: { type: 'integer' },
        silent: { type: 'integer' },
        organizations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['organization', 'role', 'seizures', 'alerts'],
            properties: {
              organization: { type: 'string' },
              role: { type: 'string' },
              seizures: { type: 'integer' },
              alerts: { type: 'integer' },
            },
          },
        },
      },
    },
  },
};

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
      'application/json': { schema: REPORT_SCHEMA },
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
