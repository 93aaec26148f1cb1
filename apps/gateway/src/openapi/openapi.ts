import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { contractJsonSchemas } from '@hub/contracts';

type Schema = Record<string, unknown>;

const PROBLEM_DOCUMENT: Schema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'One entry per bad field',
      items: {
        type: 'object',
        required: ['field', 'pointer', 'detail'],
        properties: {
          field: { type: 'string', example: 'commodities[0].hsCode' },
          pointer: { type: 'string', example: '/commodities/0/hsCode' },
          detail: { type: 'string' },
        },
      },
    },
  },
};

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Schema)
        .sort()
        .map((key) => [key, sortKeys((value as Schema)[key])]),
    );
  }
  return value;
}

/** The OpenAPI document: routes from the controllers, record schemas from the contracts, keys sorted. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cosmo Hub API')
    .setDescription(
      'Alerts and seizure notices on strategic goods, shared between WCO members, RILOs and partner agencies. ' +
        'Every error is RFC 9457 problem+json. Records an organization may not read are answered with 404.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: "An organization's API key" }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'HUB_ADMIN_TOKEN' }, 'admin-token')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const contracts = contractJsonSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<
    string,
    Schema
  >;
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...contracts,
      ProblemDocument: PROBLEM_DOCUMENT,
    },
  };
  return sortKeys(document) as OpenAPIObject;
}

export function mountOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return document;
}
