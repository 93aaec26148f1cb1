import { Controller, Get, Headers, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TAXII_MEDIA_TYPE } from '@hub/interop';
import { ProblemException } from '@hub/platform';
import { Audited } from '../audit/audited';
import { exactMediaType } from '../http/exact-media-type';
import { AcceptsBasicAuth } from '../auth/basic-auth';
import { Caller, type CallerOrganization } from '../auth/caller';
import { TaxiiErrorFilter } from './taxii-error.filter';
import { type TaxiiAnswer, TaxiiService } from './taxii.service';

const API_ROOT = 'taxii2/api/';

function taxii<T>(reply: FastifyReply, answer: TaxiiAnswer<T>): Buffer {
  if (answer.dateAddedFirst) void reply.header('x-taxii-date-added-first', answer.dateAddedFirst);
  if (answer.dateAddedLast) void reply.header('x-taxii-date-added-last', answer.dateAddedLast);
  return exactMediaType(reply, TAXII_MEDIA_TYPE, answer.body);
}

/**
 * TAXII 2.1 server, read only (TAXII 2.1 §4–5). It has its own specification, media type and
 * error format, so it stays out of the OpenAPI document; the same guards (API key, rate limits)
 * and audit trail apply as on every other route.
 */
@ApiExcludeController()
@AcceptsBasicAuth()
@UseFilters(TaxiiErrorFilter)
@Controller('taxii2')
export class TaxiiController {
  constructor(private readonly taxii: TaxiiService) {}

  @Get('/')
  discovery(
    @Caller() _caller: CallerOrganization,
    @Headers('accept') accept: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Buffer {
    this.taxii.negotiate(accept);
    return taxii(reply, { body: this.taxii.discovery(`${request.protocol}://${request.host}/${API_ROOT}`) });
  }

  @Get('api/')
  apiRoot(
    @Caller() _caller: CallerOrganization,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Buffer {
    this.taxii.negotiate(accept);
    return taxii(reply, { body: this.taxii.apiRoot() });
  }

  @Get('api/collections/')
  async collections(
    @Caller() caller: CallerOrganization,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    this.taxii.negotiate(accept);
    return taxii(reply, { body: await this.taxii.collections(caller) });
  }

  @Get('api/collections/:collectionId/')
  @Audited('feed.read', 'subscription', 'collectionId')
  async collection(
    @Caller() caller: CallerOrganization,
    @Param('collectionId') collectionId: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    this.taxii.negotiate(accept);
    return taxii(reply, { body: await this.taxii.collection(caller, collectionId) });
  }

  @Get('api/collections/:collectionId/objects/')
  @Audited('feed.read', 'subscription', 'collectionId')
  async objects(
    @Caller() caller: CallerOrganization,
    @Param('collectionId') collectionId: string,
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    this.taxii.negotiate(accept);
    return taxii(reply, await this.taxii.objects(caller, collectionId, query));
  }

  @Get('api/collections/:collectionId/manifest/')
  @Audited('feed.read', 'subscription', 'collectionId')
  async manifest(
    @Caller() caller: CallerOrganization,
    @Param('collectionId') collectionId: string,
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    this.taxii.negotiate(accept);
    return taxii(reply, await this.taxii.manifest(caller, collectionId, query));
  }

  /** Collections are read only (`can_write: false`): adding objects is refused, as TAXII says, with 403. */
  @Post('api/collections/:collectionId/objects/')
  @Audited('feed.read', 'subscription', 'collectionId')
  async addObjects(
    @Caller() caller: CallerOrganization,
    @Param('collectionId') collectionId: string,
  ): Promise<never> {
    await this.taxii.collection(caller, collectionId);
    throw new ProblemException(403, 'forbidden', 'Forbidden', 'This collection is read only.');
  }
}
