/**
 * The OpenAPI document the gateway serves, read as the tests need it: every operation with its
 * parameters and body schema, and validators for its schemas. The hostile-input and the
 * authorization tests derive their cases from it, so a new endpoint is covered (or fails the
 * test) without anyone remembering to add it.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { api } from './hub-harness';

export type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

interface OperationObject {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface ApiOperation {
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The path template, e.g. `/v1/alerts/{id}`. */
  path: string;
  pathParameters: OpenApiParameter[];
  queryParameters: OpenApiParameter[];
  /** The JSON body schema (a `$ref` into components), when the operation takes a body. */
  bodySchema?: JsonSchema;
  /** Name of the body's component schema, e.g. `Alert`. */
  bodySchemaName?: string;
  /** The body may be left out (`requestBody.required: false`). */
  bodyOptional: boolean;
  /** `api-key`, `admin-token`, or none for public routes. */
  security: string | null;
  /** Documented response statuses. */
  statuses: number[];
}

export async function fetchOpenApiDocument(gatewayUrl: string): Promise<OpenApiDocument> {
  const response = await api<OpenApiDocument>(gatewayUrl, 'GET', '/docs-json');
  if (response.status !== 200) throw new Error(`/docs-json answered ${response.status}`);
  return response.body;
}

const COMPONENT_PREFIX = '#/components/schemas/';

export function componentName(schema: JsonSchema | undefined): string | undefined {
  const ref = schema?.$ref;
  return typeof ref === 'string' && ref.startsWith(COMPONENT_PREFIX)
    ? ref.slice(COMPONENT_PREFIX.length)
    : undefined;
}

/** Every operation of the document, in path order. */
export function operationsOf(document: OpenApiDocument): ApiOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): ApiOperation => {
      const parameters = operation.parameters ?? [];
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      return {
        operationId: operation.operationId,
        method: method.toUpperCase() as ApiOperation['method'],
        path,
        pathParameters: parameters.filter((parameter) => parameter.in === 'path'),
        queryParameters: parameters.filter((parameter) => parameter.in === 'query'),
        bodySchema,
        bodySchemaName: componentName(bodySchema),
        bodyOptional: operation.requestBody?.required === false,
        security: Object.keys(operation.security?.[0] ?? {})[0] ?? null,
        statuses: Object.keys(operation.responses).map(Number),
      };
    }),
  );
}

/** Path parameter names of a template, in order: `/a/{id}/b/{deliveryId}` → id, deliveryId. */
export function templateParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
}

export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for path parameter ${name} of ${path}`);
    return values[name];
  });
}

const DOCUMENT_ID = 'https://cosmo-hub.test/openapi.json';
const DECIMALS_KEYWORD = 'x-max-decimals';

/** Replaces `multipleOf: 10^-n` by the decimals keyword below, everywhere in `value`. */
function withDecimalSteps<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withDecimalSteps) as T;
  if (!value || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const places = typeof item === 'number' && item < 1 ? Math.round(-Math.log10(item)) : NaN;
    if (key === 'multipleOf' && Number.isInteger(places) && 1 / 10 ** places === item)
      copy[DECIMALS_KEYWORD] = places;
    else copy[key] = withDecimalSteps(item);
  }
  return copy as T;
}

/** The calendar check a regular expression cannot make: 2026-02-30 does not exist. */
function realDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * RFC 3339 `date-time` as the hub's contract documents it: upper-case `T` and `Z`, a numeric
 * offset with a colon, seconds 00-59 and up to nine fraction digits. Written here rather than
 * taken from a formats package, whose profile (lower case, leap seconds, offsets without colon)
 * is wider than the hub's.
 */
export function isHubDateTime(value: string): boolean {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHour = match[7] === undefined ? 0 : Number(match[7]);
  const offsetMinute = match[8] === undefined ? 0 : Number(match[8]);
  return (
    realDate(year, month, day) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

/** JSON Schema validators over the document's components (draft 2020-12, as the contracts are written). */
export class SchemaValidators {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: true });
    // A decimal step (amounts: multipleOf 0.0001) read as "at most n decimals": in binary floating
    // point 1.2345 / 0.0001 is not an integer, and a division cannot judge 8e11-sized amounts.
    this.ajv.addKeyword({
      keyword: DECIMALS_KEYWORD,
      type: 'number',
      schemaType: 'number',
      validate: (places: number, value: number) => Number(value.toFixed(places)) === value,
    });
    this.ajv.addFormat('date-time', { type: 'string', validate: isHubDateTime });
    this.ajv.addFormat(
      'uuid',
      /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    );
    this.ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: withDecimalSteps(document.components) });
  }

  /** Follows `$ref`s into the components. */
  resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops += 1) {
      if (hops > 20) throw new Error(`$ref loop at ${String(current.$ref)}`);
      const name = componentName(current);
      if (!name || !this.document.components.schemas[name])
        throw new Error(`unresolved ${String(current.$ref)}`);
      current = this.document.components.schemas[name];
    }
    return current;
  }

  component(name: string): JsonSchema {
    const schema = this.document.components.schemas[name];
    if (!schema) throw new Error(`no component schema ${name}`);
    return schema;
  }

  /** Whether `value` satisfies `schema` (inline, or a `$ref` into the components). */
  accepts(schema: JsonSchema, value: unknown): boolean {
    return this.validatorFor(schema)(value);
  }

  /** Where `value` breaks `schema`, as JSON pointers (the place itself for a missing or extra property). */
  faults(schema: JsonSchema, value: unknown): string[] {
    const validate = this.validatorFor(schema);
    if (validate(value)) return [];
    return (validate.errors ?? [])
      .filter((error) => !['if', 'oneOf', 'anyOf'].includes(error.keyword))
      .map((error) => {
        const params = error.params as { missingProperty?: string; additionalProperty?: string };
        const child = params.missingProperty ?? params.additionalProperty;
        return child === undefined
          ? error.instancePath
          : `${error.instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      });
  }

  private validatorFor(schema: JsonSchema): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      // Inline schemas refer to components relative to the document.
      const anchored = JSON.parse(
        key.replaceAll(`"${COMPONENT_PREFIX}`, `"${DOCUMENT_ID}${COMPONENT_PREFIX}`),
      ) as JsonSchema;
      validate = this.ajv.compile(anchored);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}
