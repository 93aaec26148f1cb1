import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SCHEMA_PUBLICATION_PATH, renderAsyncApiYaml, renderSchemaFiles } from '@hub/contracts';
import { ProblemException, PublicRoute } from '@hub/platform';

/** Relative to /docs/asyncapi.yaml, the schemas below resolve to /schemas/<Name>.schema.json. */
export const SERVED_ASYNCAPI_SCHEMA_BASE = `..${SCHEMA_PUBLICATION_PATH}/`;

/**
 * The machine-readable contract, public like /docs: the AsyncAPI document of the Kafka topics and
 * the JSON Schemas that events name in `dataschema`. Both are rendered once from the contracts.
 */
@ApiExcludeController()
@PublicRoute()
@Controller()
export class ContractDocumentsController {
  private readonly asyncApi = renderAsyncApiYaml({ schemaBase: SERVED_ASYNCAPI_SCHEMA_BASE });
  private readonly schemas = new Map(Object.entries(renderSchemaFiles()));

  @Get('docs/asyncapi.yaml')
  async asyncApiDocument(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('content-type', 'application/yaml; charset=utf-8').send(this.asyncApi);
  }

  @Get(`${SCHEMA_PUBLICATION_PATH.slice(1)}/:file`)
  async schema(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const schema = this.schemas.get(file);
    if (schema === undefined) throw ProblemException.notFound('No such schema.');
    await reply.header('content-type', 'application/schema+json').send(schema);
  }
}
