import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  AUDIT_ACTIONS,
  AUDIT_OUTCOMES,
  AUDIT_RESOURCE_TYPES,
  type ChainVerification,
} from '@hub/persistence';
import { Caller, type CallerOrganization } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import { Audited } from './audited';
import { AuditQuery } from './audit.query';
import { type AuditPage, AuditService } from './audit.service';

const nullableString = { type: ['string', 'null'] };
const ENTRY = {
  type: 'object',
  required: [
    'id',
    'occurredAt',
    'requestId',
    'clientRequestId',
    'actor',
    'action',
    'outcome',
    'statusCode',
    'resource',
    'recordIds',
    'eventIds',
    'detail',
  ],
  properties: {
    id: { type: 'string', description: 'Sequence number of the entry' },
    occurredAt: { type: 'string', format: 'date-time' },
    requestId: {
      ...nullableString,
      description:
        "The hub's own id of the request (its x-request-id answer header); null for work no request made",
    },
    clientRequestId: {
      ...nullableString,
      description:
        "The caller's own x-request-id, when it sent a well-formed one (8-64 of A-Z a-z 0-9 . _ : -)",
    },
    actor: {
      type: 'object',
      required: ['type', 'id', 'code', 'kind'],
      properties: {
        type: { type: 'string', enum: ['organization', 'operator', 'service', 'anonymous'] },
        id: nullableString,
        code: {
          ...nullableString,
          description:
            'Organization code, `operator:<name>` (`operator:bootstrap`: HUB_ADMIN_TOKEN), or the service',
        },
        kind: { ...nullableString, description: 'member, rilo, partner or secretariat' },
      },
    },
    action: { type: 'string', enum: [...AUDIT_ACTIONS] },
    outcome: { type: 'string', enum: [...AUDIT_OUTCOMES] },
    statusCode: { type: ['integer', 'null'], description: 'The status answered to a refused attempt' },
    resource: {
      type: 'object',
      required: ['type', 'id'],
      properties: { type: { type: 'string', enum: [...AUDIT_RESOURCE_TYPES] }, id: nullableString },
    },
    recordIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
    eventIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
    detail: { type: 'object', additionalProperties: true },
  },
};

const VERIFICATION = {
  type: 'object',
  required: ['ok', 'verified', 'pending', 'headHash', 'broken'],
  properties: {
    ok: { type: 'boolean', description: 'Every link holds' },
    verified: { type: 'integer', description: 'Links checked (all of them when ok)' },
    pending: {
      type: 'integer',
      description: 'Entries not chained yet (the relay links them within moments)',
    },
    headHash: {
      type: 'string',
      description:
        'Hash of the last link checked: compare with a copy kept elsewhere to detect a rewritten chain',
    },
    broken: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['position', 'entryId', 'reason', 'expected', 'found'],
          properties: {
            position: {
              type: 'string',
              description: 'Position of the first broken link (1 is the first entry)',
            },
            entryId: { ...nullableString, description: 'The audit entry it names' },
            reason: {
              type: 'string',
              enum: ['entry-missing', 'entry-changed', 'link-changed', 'link-missing', 'entry-unchained'],
            },
            expected: { type: 'string' },
            found: { type: 'string' },
          },
        },
      ],
    },
  },
};

@ApiTags('audit')
@ApiBearerAuth('api-key')
@ProblemResponses(401, 429)
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Audited('audit.read', 'audit', null)
  @ApiOperation({
    operationId: 'listAuditEntries',
    summary:
      'The audit trail, oldest first (WCO secretariat only): writes, record reads, deliveries and refused attempts',
  })
  @ApiResponse({
    status: 200,
    description: 'A page of entries and the cursor to continue from',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['entries', 'nextCursor'],
          properties: { entries: { type: 'array', items: ENTRY }, nextCursor: nullableString },
        },
      },
    },
  })
  @ApiResponse({
    status: 403,
    description: 'The caller is not the WCO secretariat',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocument' } } },
  })
  @ProblemResponses(400)
  list(@Caller() caller: CallerOrganization, @Query() query: AuditQuery): Promise<AuditPage> {
    return this.audit.page(caller, query);
  }

  @Get('verify')
  @Audited('audit.verified', 'audit', null)
  @ApiOperation({
    operationId: 'verifyAuditChain',
    summary:
      "Checks the audit trail's hash chain from its first entry (WCO secretariat only): the first broken link, or ok",
  })
  @ApiResponse({
    status: 200,
    description: 'The verification (a broken chain is a 200 with ok false)',
    content: { 'application/json': { schema: VERIFICATION } },
  })
  @ApiResponse({
    status: 403,
    description: 'The caller is not the WCO secretariat',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDocument' } } },
  })
  verify(@Caller() caller: CallerOrganization): Promise<ChainVerification> {
    return this.audit.verify(caller);
  }
}
