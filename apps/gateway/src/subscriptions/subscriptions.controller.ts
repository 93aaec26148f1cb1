import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HUB_EVENT_TYPES, HUB_RECALL_EVENT_TYPES } from '@hub/contracts';
import { Audited } from '../audit/audited';
import { Caller, type CallerOrganization } from '../auth/caller';
import { ProblemResponses } from '../openapi/problem-responses';
import { RecordIdParam } from '../records/record-list.query';
import { DeliveryLogQuery, DeliveryParams, FeedQuery, SubscriptionListQuery } from './subscription.query';
import { DELIVERY_CANCEL_REASONS, DELIVERY_STATUSES, type DeliveryView } from '@hub/persistence';
import {
  type CreatedSubscriptionView,
  DEFAULT_LIST_LIMIT,
  type FeedPage,
  type SubscriptionView,
  SubscriptionsService,
} from './subscriptions.service';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const VIEW = {
  type: 'object',
  required: ['id', 'name', 'filter', 'delivery', 'status', 'pausedReason', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    filter: ref('SubscriptionFilter'),
    delivery: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string', enum: ['pull', 'webhook'] },
        url: { type: 'string', format: 'uri' },
      },
    },
    status: { type: 'string', enum: ['active', 'paused'] },
    pausedReason: {
      type: ['string', 'null'],
      description: 'Why deliveries stopped (paused webhook subscriptions)',
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const CREATED = {
  type: 'object',
  required: ['subscription'],
  properties: {
    subscription: VIEW,
    secret: { type: 'string', description: 'Webhook signing secret (whsec_…), returned once' },
    replay: {
      type: 'object',
      description: 'With replayFrom: the earlier records copied into the new feed, oldest first',
      required: ['from', 'records', 'truncated'],
      properties: {
        from: { type: 'string', format: 'date-time' },
        records: { type: 'integer', minimum: 0 },
        truncated: {
          type: 'boolean',
          description:
            'The replay stopped at SUBSCRIPTION_REPLAY_MAX_RECORDS: earlier records may have matched too',
        },
      },
    },
  },
};

const NULLABLE_DATE_TIME = { type: ['string', 'null'], format: 'date-time' };
const DELIVERY_ATTEMPT = {
  type: 'object',
  required: ['attempt', 'startedAt', 'latencyMs', 'statusCode', 'outcome', 'error'],
  properties: {
    attempt: { type: 'integer', minimum: 1, description: 'Numbered over the delivery’s whole history' },
    startedAt: { type: 'string', format: 'date-time' },
    latencyMs: { type: 'number', minimum: 0 },
    statusCode: { type: ['integer', 'null'], description: 'What the endpoint answered (null: no answer)' },
    outcome: { type: 'string', enum: ['delivered', 'failed', 'timeout', 'refused'] },
    error: { type: ['string', 'null'] },
  },
};
const DELIVERY = {
  type: 'object',
  required: [
    'id',
    'subscriptionId',
    'eventId',
    'eventType',
    'recordId',
    'status',
    'attempts',
    'nextAttemptAt',
    'cancelReason',
    'lastStatusCode',
    'lastError',
    'createdAt',
    'completedAt',
    'attemptLog',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    subscriptionId: { type: 'string', format: 'uuid' },
    eventId: { type: 'string', description: 'The CloudEvent id (also the webhook-id header)' },
    eventType: { type: 'string', enum: [...HUB_EVENT_TYPES, ...HUB_RECALL_EVENT_TYPES] },
    recordId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: [...DELIVERY_STATUSES] },
    cancelReason: {
      type: ['string', 'null'],
      enum: [...DELIVERY_CANCEL_REASONS, null],
      description: 'Why the hub withdrew a cancelled delivery (null unless cancelled)',
    },
    attempts: { type: 'integer', minimum: 0, description: 'Attempts in the current round' },
    nextAttemptAt: { ...NULLABLE_DATE_TIME, description: 'When the next attempt is due (pending only)' },
    lastStatusCode: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    completedAt: NULLABLE_DATE_TIME,
    attemptLog: { type: 'array', items: DELIVERY_ATTEMPT },
  },
};

/** Abort the work of a request whose client went away (long polls). */
function clientGone(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => controller.abort());
  return controller.signal;
}

@ApiTags('subscriptions')
@ApiBearerAuth('api-key')
@ProblemResponses(401, 429)
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  @Audited('subscription.created', 'subscription', null)
  @ApiOperation({
    operationId: 'createSubscription',
    summary: 'Subscribe to a feed filtered by type, region, country, HS prefix, category and severity',
    description:
      'The feed receives the events after its creation; with `replayFrom` (a time or a feed cursor, bounded) also the earlier records it would have matched.',
  })
  @ApiBody({ schema: ref('NewSubscription') })
  @ApiResponse({
    status: 201,
    description: 'Created; a webhook subscription gets its signing secret, once',
    content: { 'application/json': { schema: CREATED } },
  })
  @ProblemResponses(400, 413, 415)
  create(@Caller() caller: CallerOrganization, @Body() body: unknown): Promise<CreatedSubscriptionView> {
    return this.subscriptions.create(caller, body);
  }

  @Get()
  @Audited('subscription.listed', 'subscription', null)
  @ApiOperation({
    operationId: 'listSubscriptions',
    summary: "The caller's subscriptions, oldest first",
    description:
      'A page of at most `limit`; when it is full, the `Link` header names the next page (`rel="next"`).',
  })
  @ApiResponse({
    status: 200,
    description: 'Subscriptions',
    headers: {
      Link: {
        description:
          'The next page, when this one is full: `</v1/subscriptions?after=…&limit=…>; rel="next"`',
        schema: { type: 'string' },
      },
    },
    content: { 'application/json': { schema: { type: 'array', items: VIEW } } },
  })
  @ProblemResponses(400)
  async list(
    @Caller() caller: CallerOrganization,
    @Query() query: SubscriptionListQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriptionView[]> {
    const { subscriptions, next } = await this.subscriptions.list(caller, query);
    if (next) {
      const limit = query.limit ?? DEFAULT_LIST_LIMIT;
      void reply.header('link', `</v1/subscriptions?after=${next}&limit=${limit}>; rel="next"`);
    }
    return subscriptions;
  }

  @Get(':id')
  @Audited('subscription.read', 'subscription')
  @ApiOperation({ operationId: 'getSubscription', summary: 'One of the caller’s subscriptions' })
  @ApiResponse({
    status: 200,
    description: 'The subscription',
    content: { 'application/json': { schema: VIEW } },
  })
  @ProblemResponses(400, 404)
  get(@Caller() caller: CallerOrganization, @Param() params: RecordIdParam): Promise<SubscriptionView> {
    return this.subscriptions.get(caller, params.id);
  }

  @Patch(':id')
  @Audited('subscription.updated', 'subscription')
  @ApiOperation({
    operationId: 'updateSubscription',
    summary: 'Change name, filter or delivery; applies to the next event',
  })
  @ApiBody({ schema: ref('SubscriptionUpdate') })
  @ApiResponse({ status: 200, description: 'Updated', content: { 'application/json': { schema: CREATED } } })
  @ProblemResponses(400, 404, 413, 415)
  update(
    @Caller() caller: CallerOrganization,
    @Param() params: RecordIdParam,
    @Body() body: unknown,
  ): Promise<CreatedSubscriptionView> {
    return this.subscriptions.update(caller, params.id, body);
  }

  @Delete(':id')
  @Audited('subscription.deleted', 'subscription')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteSubscription', summary: 'Stop the subscription' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ProblemResponses(400, 404)
  remove(@Caller() caller: CallerOrganization, @Param() params: RecordIdParam): Promise<void> {
    return this.subscriptions.remove(caller, params.id);
  }

  @Post(':id/rotate-secret')
  @Audited('subscription.secret-rotated', 'subscription')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rotateSubscriptionSecret',
    summary: 'Replace the webhook signing secret; the new one is shown once',
  })
  @ApiResponse({
    status: 200,
    description: 'The new secret',
    content: {
      'application/json': {
        schema: { type: 'object', required: ['secret'], properties: { secret: { type: 'string' } } },
      },
    },
  })
  @ProblemResponses(400, 404, 409)
  rotateSecret(
    @Caller() caller: CallerOrganization,
    @Param() params: RecordIdParam,
  ): Promise<{ secret: string }> {
    return this.subscriptions.rotateSecret(caller, params.id);
  }

  @Post(':id/resume')
  @Audited('subscription.resumed', 'subscription')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'resumeSubscription',
    summary: 'Resume a paused webhook subscription; waiting deliveries go out in order',
  })
  @ApiResponse({ status: 200, description: 'Resumed', content: { 'application/json': { schema: VIEW } } })
  @ProblemResponses(400, 404)
  resume(@Caller() caller: CallerOrganization, @Param() params: RecordIdParam): Promise<SubscriptionView> {
    return this.subscriptions.resume(caller, params.id);
  }

  @Get(':id/events')
  @Audited('feed.read', 'subscription')
  @ApiOperation({
    operationId: 'pullSubscriptionEvents',
    summary: 'Pull feed: matched events after a cursor, oldest first; `wait` long-polls for new ones',
  })
  @ApiResponse({
    status: 200,
    description: 'CloudEvents (structured JSON) and the cursor to continue from',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['events', 'nextCursor'],
          properties: {
            events: {
              type: 'array',
              description:
                'Record events, and recalls (`<type>.recalled`, no content) of records a revision took from the reader',
              items: { oneOf: [ref('HubCloudEvent'), ref('HubRecallEvent')] },
            },
            nextCursor: { type: ['string', 'null'] },
          },
        },
      },
    },
  })
  @ProblemResponses(400, 404)
  events(
    @Caller() caller: CallerOrganization,
    @Param() params: RecordIdParam,
    @Query() query: FeedQuery,
    @Req() request: FastifyRequest,
  ): Promise<FeedPage> {
    return this.subscriptions.events(caller, params.id, query, clientGone(request));
  }

  @Get(':id/deliveries')
  @Audited('delivery.listed', 'subscription')
  @ApiOperation({
    operationId: 'listSubscriptionDeliveries',
    summary: 'Webhook deliveries, newest first, with every attempt (status, code, latency)',
  })
  @ApiResponse({
    status: 200,
    description: 'A page of deliveries and the cursor of the next (older) page',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['deliveries', 'nextCursor'],
          properties: {
            deliveries: { type: 'array', items: DELIVERY },
            nextCursor: { type: ['string', 'null'], description: 'Pass as `before` for the next page' },
          },
        },
      },
    },
  })
  @ProblemResponses(400, 404)
  deliveries(
    @Caller() caller: CallerOrganization,
    @Param() params: RecordIdParam,
    @Query() query: DeliveryLogQuery,
  ): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
    return this.subscriptions.deliveryLog(caller, params.id, query);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @Audited('delivery.retried', 'delivery', 'deliveryId')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'retrySubscriptionDelivery',
    summary: 'Send one delivery again (a failed one, or one waiting for its next attempt)',
  })
  @ApiResponse({
    status: 202,
    description: 'Queued for immediate delivery',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['id', 'status'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { type: 'string', enum: ['pending'] },
          },
        },
      },
    },
  })
  @ProblemResponses(400, 404, 409)
  retry(
    @Caller() caller: CallerOrganization,
    @Param() params: DeliveryParams,
  ): Promise<{ id: string; status: 'pending' }> {
    return this.subscriptions.retryDelivery(caller, params.id, params.deliveryId);
  }
}
