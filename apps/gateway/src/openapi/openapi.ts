import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { contractJsonSchemas } from '@hub/contracts';
import { ProblemException, problemFieldAt } from '@hub/platform';
import { GatewayConfig } from '../gateway.config';
import { problemResponse } from './problem-responses';

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

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

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

/**
 * OpenAPI 3.0 spelled nullability `nullable: true`; 3.1 (JSON Schema 2020-12, the dialect of the
 * contracts) spells it with a type array. @nestjs/swagger still writes the former for DTO views.
 */
function nullableAsTypeArray(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullableAsTypeArray);
  if (!value || typeof value !== 'object') return value;
  const { nullable, ...rest } = value as Schema;
  const schema: Schema = Object.fromEntries(
    Object.entries(rest).map(([key, item]) => [key, nullableAsTypeArray(item)]),
  );
  if (nullable !== true) return schema;
  if (Array.isArray(schema.enum)) schema.enum = [...(schema.enum as unknown[]), null];
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  return schema;
}

/**
 * Answers any operation can give, from the HTTP server and the database rather than the route:
 * a request sent too slowly (408), a path parameter over the limit (414), a database timeout (503).
 */
function documentTransportProblems(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const statuses = [408, ...(path.includes('{') ? [414] : []), 503];
      for (const status of statuses) operation.responses[String(status)] ??= problemResponse(status);
    }
  }
}

/** Where the API lives: the hub's public base URL (HUB_PUBLIC_URL), by default the one serving it. */
function openApiServer(publicUrl: string): Parameters<DocumentBuilder['addServer']> {
  return [
    '{hub}',
    'The hub, at its public base URL (HUB_PUBLIC_URL)',
    { hub: { default: publicUrl.replace(/\/+$/, ''), description: 'HUB_PUBLIC_URL of the hub' } },
  ];
}

/** The OpenAPI 3.1 document: routes from the controllers, record schemas from the contracts, keys sorted. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Cosmo Hub API')
    .setDescription(
      'Alerts and seizure notices on strategic goods, shared between WCO members, RILOs and partner agencies. ' +
        'Every error is RFC 9457 problem+json. Records an organization may not read are answered with 404. ' +
        'The events the hub publishes on Kafka are described by the AsyncAPI document at /docs/asyncapi.yaml.',
    )
    .setVersion('1')
    .addServer(...openApiServer(app.get(GatewayConfig).HUB_PUBLIC_URL))
    // Opaque random keys (`chub_…`, 256 bits), checked against their SHA-256 digest: no JWT.
    .addSecurity('api-key', {
      type: 'http',
      scheme: 'bearer',
      description: "An organization's API key (`chub_…`), issued by the operator; an opaque token, not a JWT",
    })
    .addSecurity('admin-token', {
      type: 'http',
      scheme: 'bearer',
      description: "The operator's token (HUB_ADMIN_TOKEN); an opaque token, not a JWT",
    })
    .build();
  // Not open source (package.json: UNLICENSED); SPDX names such a licence with a LicenseRef.
  config.info.license = {
    name: 'Proprietary: use under the terms of the hub operator',
    identifier: 'LicenseRef-Proprietary',
  } as OpenAPIObject['info']['license'];
  const document = SwaggerModule.createDocument(app, config);
  const contracts = contractJsonSchemas({ refPointerPrefix: '#/components/schemas/' }) as Record<
    string,
    Schema
  >;
  // The validation pipe refuses unknown properties of the gateway's own DTOs; their schemas say so.
  const dtos = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [
      name,
      'properties' in schema ? { ...schema, additionalProperties: false } : schema,
    ]),
  );
  documentTransportProblems(document);
  document.components = {
    ...document.components,
    schemas: {
      ...dtos,
      ...contracts,
      ProblemDocument: PROBLEM_DOCUMENT,
    },
  };
  return sortKeys(nullableAsTypeArray(document)) as OpenAPIObject;
}

/**
 * Query parameters an operation does not declare are refused, as unknown body fields are: a
 * misspelt `?limt=5` or a `?version=2` the hub does not know would otherwise be ignored without
 * a word. Operations the document leaves out (health, metrics, the document itself) are not held.
 */
function refuseUndeclaredQueryParameters(app: NestFastifyApplication, document: OpenAPIObject): void {
  const declared = new Map<string, ReadonlySet<string>>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const names = (operation.parameters ?? [])
        .filter((parameter) => 'in' in parameter && parameter.in === 'query')
        .map((parameter) => (parameter as { name: string }).name);
      declared.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, new Set(names));
    }
  }
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preValidation', (request, _reply, done) => {
      const names = declared.get(`${request.method} ${request.routeOptions.url}`);
      const unknown = names
        ? Object.keys(request.query as Record<string, unknown>).filter((name) => !names.has(name))
        : [];
      if (unknown.length === 0) return done();
      done(
        ProblemException.invalidRequest(
          unknown.map((name) => problemFieldAt([name], 'is not a query parameter of this operation')),
        ),
      );
    });
}

/** Serves the document at /docs (UI) and /docs-json, and holds requests to its query parameters. */
export function mountOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  refuseUndeclaredQueryParameters(app, document);
  return document;
}
