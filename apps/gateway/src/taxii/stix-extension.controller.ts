import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CUSTOMS_EXTENSION_DEFINITION, STIX_MEDIA_TYPE } from '@hub/interop';
import { ProblemException, PublicRoute } from '@hub/platform';
import { exactMediaType } from '../http/exact-media-type';

/**
 * The STIX extension-definition of the hub's customs properties, at a stable URL: public, as a
 * schema is (it describes fields, never a record). Every bundle carries it too.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('stix/extension-definitions')
export class StixExtensionController {
  @Get(':id')
  definition(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    if (id !== CUSTOMS_EXTENSION_DEFINITION.id)
      throw ProblemException.notFound('No such extension definition.');
    return exactMediaType(reply, STIX_MEDIA_TYPE, CUSTOMS_EXTENSION_DEFINITION);
  }
}
