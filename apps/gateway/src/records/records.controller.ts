import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  type Type,
  Patch,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  exampleAlert,
  examplePublishedAlert,
  examplePublishedSeizureNotice,
  exampleSeizureNotice,
  type PublishedRecord,
  type RecordType,
} from '@hub/contracts';
import { recordRendering, STIX_MEDIA_TYPE, stixBundleOf } from '@hub/interop';
import { ProblemException } from '@hub/platform';
import { Audited } from '../audit/audited';
import { Caller, type CallerOrganization } from '../auth/caller';
import { exactMediaType } from '../http/exact-media-type';
import { RecordWrite } from '../rate-limit/rate-limit.guard';
import { cursorPageSchema } from '../openapi/cursor-page';
import { ProblemResponses } from '../openapi/problem-responses';
import { RecordIdParam, RecordListQuery } from './record-list.query';
import { type RecordPage, RecordsService } from './records.service';

interface RecordRoutes {
  type: RecordType;
  path: string;
  tag: string;
  noun: string;
  /** Names of the contract schemas in components.schemas. */
  schema: string;
  updateSchema: string;
  publishedSchema: string;
  /** A real-looking record of this type, as submitted and as the hub serves it. */
  example: { summary: string; submitted: object; published: object };
}

function ref(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** Alerts and seizure notices share one set of routes; this builds the controller for one record type. */
function recordsController(routes: RecordRoutes): Type<unknown> {
  const examples = (value: object) => ({ [routes.type]: { summary: routes.example.summary, value } });
  const published = {
    schema: ref(routes.publishedSchema),
    examples: examples(routes.example.published),
  };
  const page = { schema: cursorPageSchema(ref(routes.publishedSchema)) };

  @ApiTags(routes.tag)
  @ApiBearerAuth('api-key')
  @ProblemResponses(401, 429)
  @Controller(routes.path)
  class RecordsController {
    constructor(readonly records: RecordsService) {}

    @Post()
    @Audited('record.submitted', routes.type, null)
    @RecordWrite()
    @ApiOperation({
      operationId: `submit${routes.noun}`,
      summary: `Submit a ${routes.type}: 201 once stored durably; resending the same reference and body returns 200 with the first result`,
    })
    @ApiBody({ schema: ref(routes.schema), examples: examples(routes.example.submitted) })
    @ApiResponse({
      status: 201,
      description: 'Stored; its event will be published',
      content: { 'application/json': published },
    })
    @ApiResponse({
      status: 200,
      description: 'Already stored under this reference with the same body',
      content: { 'application/json': published },
    })
    @ProblemResponses(400, 409, 413, 415)
    async submit(
      @Caller() caller: CallerOrganization,
      @Body() body: unknown,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<PublishedRecord> {
      const { created, record } = await this.records.submit(routes.type, caller, body);
      void reply.status(created ? 201 : 200).header('location', `/${routes.path}/${record.id}`);
      return record;
    }

    @Get()
    @Audited('record.listed', routes.type, null)
    @ApiOperation({
      operationId: `list${routes.noun}s`,
      summary: `List the ${routes.type}s the caller may read, oldest first`,
    })
    @ApiResponse({
      status: 200,
      description: 'A page and the cursor of the next one',
      content: { 'application/json': page },
    })
    @ProblemResponses(400)
    list(@Caller() caller: CallerOrganization, @Query() query: RecordListQuery): Promise<RecordPage> {
      return this.records.list(routes.type, caller, query);
    }

    @Get(':id')
    @Audited('record.read', routes.type)
    @ApiOperation({
      operationId: `get${routes.noun}`,
      summary: `Read one ${routes.type} (404 if it does not exist or the caller may not read it)`,
    })
    @ApiResponse({
      status: 200,
      description:
        'The current version: the hub record (default), or with `Accept: application/stix+json;version=2.1` ' +
        'a STIX 2.1 bundle (see the README, "TAXII 2.1 and STIX 2.1")',
      content: {
        'application/json': published,
        [STIX_MEDIA_TYPE]: {
          schema: {
            type: 'object',
            description: 'A STIX 2.1 bundle (OASIS STIX 2.1 JSON Schemas, common/bundle.json)',
            required: ['type', 'id', 'objects'],
            properties: {
              type: { type: 'string', enum: ['bundle'] },
              id: { type: 'string', pattern: '^bundle--' },
              objects: { type: 'array', items: { type: 'object' } },
            },
          },
        },
      },
    })
    @ProblemResponses(400, 404, 406)
    async read(
      @Caller() caller: CallerOrganization,
      @Param() params: RecordIdParam,
      @Headers('accept') accept: string | undefined,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<PublishedRecord | Buffer> {
      const rendering = recordRendering(accept);
      if (rendering === 'not-acceptable') {
        throw new ProblemException(
          406,
          'not-acceptable',
          'Not acceptable',
          `A ${routes.type} is served as application/json or ${STIX_MEDIA_TYPE}.`,
        );
      }
      const record = await this.records.read(routes.type, caller, params.id);
      // One URL, two representations: caches must key on Accept.
      void reply.header('vary', 'accept');
      if (rendering === 'json') return record;
      return exactMediaType(reply, STIX_MEDIA_TYPE, stixBundleOf(record));
    }

    @Patch(':id')
    @Audited('record.revised', routes.type)
    @RecordWrite()
    @ApiOperation({
      operationId: `revise${routes.noun}`,
      summary: `Revise a ${routes.type} (originator only): makes a new version`,
    })
    @ApiBody({ schema: ref(routes.updateSchema) })
    @ApiResponse({ status: 200, description: 'The new version', content: { 'application/json': published } })
    @ProblemResponses(400, 403, 404, 409, 413, 415)
    revise(
      @Caller() caller: CallerOrganization,
      @Param() params: RecordIdParam,
      @Body() patch: unknown,
    ): Promise<PublishedRecord> {
      return this.records.revise(routes.type, caller, params.id, patch);
    }

    @Post(':id/withdraw')
    @Audited('record.withdrawn', routes.type)
    @RecordWrite()
    @HttpCode(200)
    @ApiOperation({
      operationId: `withdraw${routes.noun}`,
      summary: `Withdraw a ${routes.type} (originator only)`,
    })
    @ApiResponse({
      status: 200,
      description: 'The withdrawn version',
      content: { 'application/json': published },
    })
    @ProblemResponses(403, 404, 409)
    withdraw(@Caller() caller: CallerOrganization, @Param() params: RecordIdParam): Promise<PublishedRecord> {
      return this.records.withdraw(routes.type, caller, params.id);
    }
  }
  Object.defineProperty(RecordsController, 'name', { value: `${routes.noun}sController` });
  return RecordsController;
}

export const AlertsController = recordsController({
  type: 'alert',
  path: 'v1/alerts',
  tag: 'alerts',
  noun: 'Alert',
  schema: 'Alert',
  updateSchema: 'AlertUpdate',
  publishedSchema: 'PublishedAlert',
  example: {
    summary: 'Corrosion-resistant valves declared as plumbing parts (dual-use, chemical)',
    submitted: exampleAlert(),
    published: examplePublishedAlert(),
  },
});

export const SeizuresController = recordsController({
  type: 'seizure',
  path: 'v1/seizures',
  tag: 'seizures',
  noun: 'Seizure',
  schema: 'SeizureNotice',
  updateSchema: 'SeizureNoticeUpdate',
  publishedSchema: 'PublishedSeizureNotice',
  example: {
    summary: 'Natural uranium compounds seized in Hamburg (nuclear, restricted)',
    submitted: exampleSeizureNotice(),
    published: examplePublishedSeizureNotice(),
  },
});
