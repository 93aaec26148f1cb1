import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { FEEDBACK_TYPES, type AlertFeedbackEntry } from '@hub/contracts';
import { Audited } from '../audit/audited';
import { Caller, type CallerOrganization } from '../auth/caller';
import { cursorPageSchema } from '../openapi/cursor-page';
import { ProblemResponses } from '../openapi/problem-responses';
import { RecordWrite } from '../rate-limit/rate-limit.guard';
import { RecordIdParam } from '../records/record-list.query';
import { EscalationListQuery, InboxQuery } from './feedback.dto';
import { type FeedbackListing, FeedbackService, type InboxItem } from './feedback.service';

function ref(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

const FEEDBACK_ENTRY = {
  type: 'object',
  required: ['id', 'alert', 'organization', 'type', 'observedAt', 'createdAt', 'automatic'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    alert: { type: 'string', format: 'uuid' },
    organization: { type: 'string' },
    type: { type: 'string', enum: [...FEEDBACK_TYPES] },
    seizure: { type: 'string', format: 'uuid' },
    comment: { type: 'string' },
    observedAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    automatic: { type: 'boolean', description: 'Written by the hub from a seizure notice naming the alert' },
  },
};

const COUNTS = {
  type: 'object',
  required: [...FEEDBACK_TYPES],
  properties: Object.fromEntries(FEEDBACK_TYPES.map((type) => [type, { type: 'integer', minimum: 0 }])),
};

/** The feedback loop: feedback on an alert, the caller's inbox of alerts addressed to it, escalations. */
@ApiTags('Feedback')
@ApiBearerAuth('api-key')
@ProblemResponses(401, 429)
@Controller('v1')
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post('alerts/:id/feedback')
  @Audited('feedback.submitted', 'alert')
  @RecordWrite()
  @ApiOperation({
    operationId: 'submitAlertFeedback',
    summary:
      'Answer an alert (received, checked-no-find, hit, false-positive, not-relevant): 201 once stored; the same ' +
      'type and seizure again returns 200 with the first entry. Any feedback acknowledges the alert',
  })
  @ApiBody({
    schema: ref('AlertFeedbackSubmission'),
    examples: { hit: { summary: 'A hit', value: { type: 'hit', comment: 'Container MSCU1234565 held' } } },
  })
  @ApiResponse({
    status: 201,
    description: 'Stored',
    content: { 'application/json': { schema: FEEDBACK_ENTRY } },
  })
  @ApiResponse({
    status: 200,
    description: 'Already given: the stored entry',
    content: { 'application/json': { schema: FEEDBACK_ENTRY } },
  })
  @ProblemResponses(400, 404, 413, 415)
  async submit(
    @Caller() caller: CallerOrganization,
    @Param() params: RecordIdParam,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AlertFeedbackEntry> {
    const { created, entry } = await this.feedback.submit(caller, params.id, body);
    void reply.status(created ? 201 : 200);
    return entry;
  }

  @Get('alerts/:id/feedback')
  @Audited('feedback.listed', 'alert')
  @ApiOperation({
    operationId: 'listAlertFeedback',
    summary:
      'Feedback on an alert: its originator and the Secretariat see every entry and the acknowledgement ' +
      'measures; another reader its own entries and counts per type',
  })
  @ApiResponse({
    status: 200,
    description: 'Entries, counts and (originator, Secretariat) measures',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['alert', 'view', 'entries', 'counts'],
          properties: {
            alert: { type: 'string', format: 'uuid' },
            view: { type: 'string', enum: ['all', 'own'] },
            entries: { type: 'array', items: FEEDBACK_ENTRY },
            counts: COUNTS,
            measures: {
              type: 'object',
              required: [
                'addressees',
                'acknowledged',
                'secondsToFirstAcknowledgement',
                'acknowledgeWithin',
                'dueAt',
                'escalatedAt',
              ],
              properties: {
                addressees: { type: 'integer', minimum: 0 },
                acknowledged: { type: 'integer', minimum: 0 },
                secondsToFirstAcknowledgement: { type: ['number', 'null'] },
                acknowledgeWithin: { type: ['string', 'null'] },
                dueAt: { type: ['string', 'null'], format: 'date-time' },
                escalatedAt: { type: ['string', 'null'], format: 'date-time' },
              },
            },
          },
        },
      },
    },
  })
  @ProblemResponses(400, 404)
  list(@Caller() caller: CallerOrganization, @Param() params: RecordIdParam): Promise<FeedbackListing> {
    return this.feedback.list(caller, params.id);
  }

  @Get('inbox')
  @Audited('inbox.read', 'alert', null)
  @ApiOperation({
    operationId: 'readInbox',
    summary:
      'The alerts addressed to the caller (it is a member on their route and may read them), newest first, ' +
      'with its own acknowledgement',
  })
  @ApiResponse({
    status: 200,
    description: 'A page and the cursor of the next (older) one',
    content: {
      'application/json': {
        schema: cursorPageSchema({
          type: 'object',
          required: ['alert', 'addressedAt', 'acknowledged', 'acknowledgedAt', 'feedback'],
          properties: {
            alert: ref('PublishedAlert'),
            addressedAt: { type: 'string', format: 'date-time' },
            acknowledged: { type: 'boolean' },
            acknowledgedAt: { type: ['string', 'null'], format: 'date-time' },
            feedback: { type: 'array', items: { type: 'string', enum: [...FEEDBACK_TYPES] } },
          },
        }),
      },
    },
  })
  @ProblemResponses(400)
  inbox(
    @Caller() caller: CallerOrganization,
    @Query() query: InboxQuery,
  ): Promise<{ items: InboxItem[]; nextCursor: string | null }> {
    return this.feedback.inbox(caller, query);
  }

  @Get('escalations')
  @Audited('escalation.listed', 'alert', null)
  @ApiOperation({
    operationId: 'listEscalations',
    summary:
      'Alerts whose addressees did not all acknowledge in time, newest first: the Secretariat sees all, an ' +
      'originator those of its alerts, a RILO those it was told of',
  })
  @ApiResponse({
    status: 200,
    description: 'A page and the cursor of the next one',
    content: {
      'application/json': {
        schema: cursorPageSchema({
          type: 'object',
          required: ['alert', 'escalatedAt', 'escalation'],
          properties: {
            alert: { type: 'string', format: 'uuid' },
            escalatedAt: { type: 'string', format: 'date-time' },
            escalation: { type: 'object', description: 'The data of the alert.unacknowledged event' },
          },
        }),
      },
    },
  })
  @ProblemResponses(400)
  escalations(@Caller() caller: CallerOrganization, @Query() query: EscalationListQuery) {
    return this.feedback.escalations(caller, query);
  }
}
