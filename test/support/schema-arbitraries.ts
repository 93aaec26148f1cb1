/**
 * Values that satisfy a JSON Schema of the OpenAPI document, as fast-check arbitraries: the
 * valid starting points that the hostile-input test then breaks one field at a time. Only the
 * keywords the hub's schemas use are understood; anything else fails loudly, so a schema change
 * cannot silently produce invalid "valid" bodies.
 */
import fc from 'fast-check';
import type { JsonSchema, SchemaValidators } from './openapi-document';

/** A path into a JSON value: property names and array indexes. */
export type JsonPath = (string | number)[];

/** Values for particular places, where the schema cannot say what a valid value is (see the test). */
export type ValueOverride = (path: JsonPath, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

const SHORT_STRING = 24;
const FEW_ITEMS = 3;

function codePointLength(value: string): number {
  return [...value].length;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  const fits = (value: string): boolean =>
    codePointLength(value) >= minLength && codePointLength(value) <= maxLength;
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('1990-01-01T00:00:00Z'),
        max: new Date('2090-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
  }
  if (schema.format === 'uuid') return fc.uuid({ version: 4 });
  if (typeof schema.pattern === 'string') {
    return fc
      .stringMatching(new RegExp(schema.pattern, 'u'))
      .filter((value) => fits(value) && codePointLength(value) <= Math.max(minLength, SHORT_STRING * 4));
  }
  return fc
    .string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, SHORT_STRING) })
    .filter(fits);
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const exclusiveMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const min = typeof schema.minimum === 'number' ? schema.minimum : (exclusiveMin ?? -1e9);
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1e9;
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
  let values: fc.Arbitrary<number>;
  if (integer) {
    values = fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)) });
  } else if (step !== undefined) {
    // k / 10^n is the double nearest to the decimal, so it prints with n decimals at most.
    const scale = Math.round(1 / step);
    values = fc
      .integer({
        min: Math.ceil(min * scale),
        max: Math.floor(Math.min(max * scale, Number.MAX_SAFE_INTEGER)),
      })
      .map((k) => k / scale);
  } else {
    values = fc.oneof(
      fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, 1e6)) }),
      fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
    );
  }
  return exclusiveMin === undefined ? values : values.filter((value) => value > exclusiveMin);
}

/** Arbitrary valid values for `schema`; `override` may take over any place in the value. */
export function valueArbitrary(
  schemas: SchemaValidators,
  schema: JsonSchema,
  override: ValueOverride = () => undefined,
  path: JsonPath = [],
): fc.Arbitrary<unknown> {
  const overridden = override(path, schema);
  if (overridden) return overridden;
  if (typeof schema.$ref === 'string')
    return valueArbitrary(schemas, schemas.resolve(schema), override, path);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) {
      return fc.oneof(
        ...(branches as JsonSchema[]).map((branch) => valueArbitrary(schemas, branch, override, path)),
      );
    }
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
  if (type.length > 1) {
    return fc.oneof(...type.map((one) => valueArbitrary(schemas, { ...schema, type: one }, override, path)));
  }
  switch (type[0] ?? (schema.properties ? 'object' : undefined)) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'array': {
      const items = valueArbitrary(schemas, (schema.items ?? {}) as JsonSchema, override, [...path, 0]);
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.min(
        typeof schema.maxItems === 'number' ? schema.maxItems : FEW_ITEMS,
        minLength + FEW_ITEMS,
      );
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (item) => JSON.stringify(item) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      const model = Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [
          name,
          valueArbitrary(schemas, property, override, [...path, name]),
        ]),
      );
      const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
      return fc
        .record(model, { requiredKeys: [...required].filter((name) => name in properties) })
        .map((value) => ({ ...value }))
        .filter((value) => Object.keys(value).length >= minProperties);
    }
    default:
      throw new Error(
        `schema at /${path.join('/')} has no type the generator knows: ${JSON.stringify(schema)}`,
      );
  }
}
