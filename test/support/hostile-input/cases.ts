import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { MEMBER_COUNTRY_REGIONS } from '@hub/contracts';
import { MAX_PATH_PARAMETER_LENGTH } from '@hub/platform';
import {
  DOMAIN_STRINGS,
  INJECTION_STRINGS,
  INTEGER_QUERY_VALUES,
  MALFORMED_PATH_SEGMENTS,
  UNICODE_STRINGS,
  UNKNOWN_KEYS,
  WRONG_TYPE_VALUES,
} from '../hostile-values';
import {
  type ApiOperation,
  type JsonSchema,
  SchemaValidators,
  templateParameters,
} from '../openapi-document';
import { type JsonPath, valueArbitrary } from '../schema-arbitraries';
import {
  BODY_LIMIT_BYTES,
  type CaseSpec,
  changeAt,
  CURSOR_RULES,
  type CursorKind,
  cursorKindOf,
  define,
  type HostileOracle,
  MAX_BIGINT,
  type PathValue,
  pointerOf,
  PUBLIC_WEBHOOK_URLS,
  REFUSED_WEBHOOK_URLS,
  replaceAt,
} from './oracle';

/**
 * The cases of the hostile-input test: for every operation of the served document, valid requests
 * built from its schemas, then broken one field, parameter, header or byte at a time.
 */

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

interface Place {
  path: JsonPath;
  schema: JsonSchema;
  value: unknown;
  /** The property the value belongs to (for list items, the list's). */
  name: string;
}

/** Every place of a valid value, with the (resolved) schema that describes it. */
function placesOf(
  schemas: SchemaValidators,
  value: unknown,
  schema: JsonSchema,
  path: JsonPath = [],
  name = '',
): Place[] {
  let resolved = schemas.resolve(schema);
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const branches = resolved[keyword] as JsonSchema[] | undefined;
    if (branches)
      resolved = schemas.resolve(branches.find((branch) => schemas.accepts(branch, value)) ?? branches[0]);
  }
  const places: Place[] = [{ path, schema: resolved, value, name }];
  if (Array.isArray(value)) {
    const items = (resolved.items ?? {}) as JsonSchema;
    value.forEach((item, index) => places.push(...placesOf(schemas, item, items, [...path, index], name)));
  } else if (value && typeof value === 'object') {
    const properties = (resolved.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, item] of Object.entries(value)) {
      if (properties[key]) places.push(...placesOf(schemas, item, properties[key], [...path, key], key));
    }
  }
  return places;
}

/** What kind of value a string place holds, for the look-alike values to put there. */
function domainOf(place: Place): string {
  const name = place.name;
  if (['country', 'origin', 'destination', 'transit', 'countries', 'excludeCountries'].includes(name))
    return 'country';
  if (name === 'currency') return 'currency';
  if (name === 'language') return 'language';
  if (['hsCode', 'hsPrefixes', 'hs'].includes(name)) return 'hs';
  if (place.schema.format === 'date-time' || ['seizedAt', 'validUntil', 'since'].includes(name))
    return 'date';
  if (['recipients', 'excludeOrganizations', 'code'].includes(name)) return 'organizationCode';
  if (['reference', 'relatedAlerts'].includes(name)) return 'reference';
  if (name === 'url') return 'url';
  if (Array.isArray(place.schema.enum)) return 'enum';
  return 'text';
}

function lookAlikes(place: Place): string[] {
  const domain = domainOf(place);
  if (domain === 'url') return [...PUBLIC_WEBHOOK_URLS, ...REFUSED_WEBHOOK_URLS];
  if (domain === 'enum') {
    const values = place.schema.enum as string[];
    return values
      .flatMap((value) => [
        value,
        value.toUpperCase(),
        ` ${value}`,
        `${value} `,
        `${value}x`,
        value.replace(/-/g, '_'),
      ])
      .concat(['', 'null', 'ANY', '*']);
  }
  return [...(DOMAIN_STRINGS[domain] ?? []), ...INJECTION_STRINGS.slice(0, 4)];
}

// ---------------------------------------------------------------------------------------------
// Generation.

/** The case generators of each operation; valid bodies are those the oracle finds no fault in. */
export function hostileCases(
  schemas: SchemaValidators,
  { bodyFaults, nameableCodes }: Pick<HostileOracle, 'bodyFaults' | 'nameableCodes'>,
): { caseArbitraries(operation: ApiOperation): fc.Arbitrary<CaseSpec>[] } {
  /** Where the schema alone cannot say what a valid value is. */
  const override = (path: JsonPath): fc.Arbitrary<unknown> | undefined => {
    const name = path[path.length - 1];
    if (name === 'seizedAt') {
      return fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date(Date.now() - 86_400_000),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString());
    }
    if (name === 'url') return fc.constantFrom(...PUBLIC_WEBHOOK_URLS);
    // Organizations a record names must be registered (L-1): mostly one of them, read when generated;
    // now and then any code, so that long lists of distinct codes can still be made.
    if (
      typeof name === 'number' &&
      ['recipients', 'excludeOrganizations'].includes(String(path[path.length - 2]))
    )
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.nat().map((index) => {
            const codes = nameableCodes();
            return codes[index % codes.length];
          }),
        },
        { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,39}$/) },
      );
    if (name === 'country' && path.length === 1)
      return fc.constantFrom(...Object.keys(MEMBER_COUNTRY_REGIONS));
    return undefined;
  };

  const validBodies = new Map<string, fc.Arbitrary<unknown>>();
  function validBody(operation: ApiOperation): fc.Arbitrary<unknown> {
    let arbitrary = validBodies.get(operation.operationId);
    if (!arbitrary) {
      arbitrary = valueArbitrary(schemas, operation.bodySchema!, override).filter(
        (body) => bodyFaults(operation, body).length === 0,
      );
      validBodies.set(operation.operationId, arbitrary);
    }
    return arbitrary;
  }

  const targetPath = (operation: ApiOperation): Record<string, PathValue> =>
    Object.fromEntries(templateParameters(operation.path).map((name) => [name, { target: true }]));

  function baseCase(operation: ApiOperation, kind: string, detail: string): CaseSpec {
    return { kind, detail, path: targetPath(operation), query: [], contentType: null };
  }

  /** Valid values for one query parameter. */
  function validQueryValue(
    operation: ApiOperation,
    parameter: { name: string; schema: JsonSchema },
  ): fc.Arbitrary<string> {
    const schema = parameter.schema;
    if (parameter.name === 'wait') return fc.constantFrom('0', '1'); // a valid wait holds the request open
    const cursor = cursorKindOf(operation, parameter.name);
    if (cursor) return cursorArbitrary(cursor).filter(CURSOR_RULES[cursor]);
    if (schema.type === 'integer')
      return fc
        .integer({ min: Number(schema.minimum ?? 0), max: Number(schema.maximum ?? 1000) })
        .map(String);
    return valueArbitrary(schemas, schema).map(String);
  }

  /** Cursors as a client might forge them: some well-formed, most not. */
  function cursorArbitrary(kind: CursorKind): fc.Arbitrary<string> {
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
    const bigs = fc.oneof(
      fc.bigInt({ min: 0n, max: MAX_BIGINT }).map(String),
      fc.constantFrom(
        '0',
        '007',
        '-1',
        '9223372036854775807',
        '9223372036854775808',
        '18446744073709551615',
        '99999999999999999999',
        '1e3',
        '',
      ),
    );
    if (kind === 'entry-position') return bigs;
    if (kind === 'resource-id') {
      return fc.oneof(
        fc.uuid(),
        fc.uuid().map((id) => id.toUpperCase()),
        fc.constantFrom(
          '',
          'nope',
          '00000000-0000-0000-0000-00000000000',
          `${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(13)}`,
        ),
      );
    }
    if (kind === 'entry-position-pair') {
      return fc.oneof(
        fc.tuple(bigs, bigs).map(([a, b]) => b64(`${a}:${b}`)),
        fc.constantFrom(
          b64('1:2:3'),
          b64('12'),
          b64('a:b'),
          'not-base64!',
          '',
          '====',
          `${b64('1:2')}=`,
          b64('1:2').toUpperCase(),
          'x'.repeat(101),
        ),
      );
    }
    const instants = fc.oneof(
      fc
        .date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString()),
      fc.constantFrom(
        '-271821-04-20T00:00:00.000Z',
        '+275760-09-13T00:00:00.000Z',
        '2026-02-30T00:00:00.000Z',
        '2026-01-01',
        '2026-01-01T00:00:00Z',
        'now',
      ),
    );
    const ids = fc.oneof(
      fc.uuid({ version: 4 }),
      fc.constantFrom('not-a-uuid', '7D0D8A4E-2A44-4B61-9A52-0D7B8C7F4E11', ''),
    );
    if (kind === 'escalation-position') {
      // "<instant>|<uuid>": without this branch no generated value is a valid one, and the filter
      // for valid values never ends.
      return fc.oneof(
        fc.tuple(instants, ids).map(([t, i]) => b64(`${t}|${i}`)),
        fc.tuple(instants, ids).map(([t, i]) => b64(`${t}|${i}|x`)),
        fc.constantFrom(b64('|'), b64('now|x'), 'not-base64!', '', 'x'.repeat(201)),
      );
    }
    return fc.oneof(
      fc.tuple(instants, ids).map(([t, i]) => b64(JSON.stringify({ t, i }))),
      fc.tuple(instants, ids).map(([t, i]) => b64(JSON.stringify({ t, i, extra: 1 }))),
      fc.constantFrom(
        b64('[]'),
        b64('{}'),
        b64('{"t":1,"i":2}'),
        b64('null'),
        'not-base64!',
        '',
        b64('{"t":"x","i":"y"}'),
        'x'.repeat(201),
      ),
    );
  }

  function invalidQueryValues(
    operation: ApiOperation,
    parameter: { name: string; schema: JsonSchema },
  ): fc.Arbitrary<string> {
    const schema = parameter.schema;
    const cursor = cursorKindOf(operation, parameter.name);
    if (cursor) return cursorArbitrary(cursor);
    const pools: string[] = [
      ...INJECTION_STRINGS.slice(0, 6),
      ...UNICODE_STRINGS.slice(0, 10),
      'x'.repeat(5000),
    ];
    if (schema.type === 'integer') {
      const min = Number(schema.minimum ?? 0);
      const max = Number(schema.maximum ?? 1000);
      pools.push(...INTEGER_QUERY_VALUES, String(min), String(min - 1), String(max), String(max + 1));
    } else {
      pools.push(...lookAlikes({ path: [], schema, value: '', name: parameter.name }));
    }
    return fc.constantFrom(...pools);
  }

  function caseArbitraries(operation: ApiOperation): fc.Arbitrary<CaseSpec>[] {
    const arbitraries: fc.Arbitrary<CaseSpec>[] = [];
    const body = operation.bodySchema ? validBody(operation) : undefined;
    const withBody = (spec: CaseSpec, value: unknown): CaseSpec =>
      body ? { ...spec, body: { json: value }, contentType: 'application/json' } : spec;

    // Everything valid: a random valid body and valid query parameters.
    const validQuery = fc.tuple(
      ...operation.queryParameters.map((parameter) =>
        fc.option(validQueryValue(operation, parameter), { nil: undefined }),
      ),
    );
    arbitraries.push(
      fc.tuple(body ?? fc.constant(undefined), validQuery).map(([value, values]) => ({
        ...withBody(baseCase(operation, 'valid', 'valid request'), value),
        query: operation.queryParameters.flatMap((parameter, index): [string, string][] =>
          values[index] === undefined ? [] : [[parameter.name, values[index]]],
        ),
      })),
    );

    if (body) arbitraries.push(...bodyCases(operation, body));

    // Path parameters: malformed, overlong, unknown.
    for (const name of templateParameters(operation.path)) {
      const values = fc.oneof(
        fc.constantFrom(...MALFORMED_PATH_SEGMENTS),
        fc.uuid({ version: 4 }),
        fc
          .constantFrom(100, 400, 1000, MAX_PATH_PARAMETER_LENGTH * 3)
          .map((length) => `${randomUUID()}${'a'.repeat(length)}`),
      );
      arbitraries.push(
        fc.tuple(values, body ?? fc.constant(undefined)).map(([raw, value]) => ({
          ...withBody(baseCase(operation, 'path parameter', `${name} = ${raw.slice(0, 60)}`), value),
          path: { ...targetPath(operation), [name]: { raw } },
        })),
      );
    }

    // Query parameters: bad values, repeated, unknown names.
    for (const parameter of operation.queryParameters) {
      arbitraries.push(
        fc
          .tuple(invalidQueryValues(operation, parameter), body ?? fc.constant(undefined))
          .map(([raw, value]) => ({
            ...withBody(baseCase(operation, 'query value', `${parameter.name} = ${raw.slice(0, 60)}`), value),
            query: [[parameter.name, raw]],
          })),
      );
      arbitraries.push(
        fc
          .tuple(
            validQueryValue(operation, parameter),
            validQueryValue(operation, parameter),
            body ?? fc.constant(undefined),
          )
          .map(([first, second, value]) => ({
            ...withBody(baseCase(operation, 'query repeated', `${parameter.name} twice`), value),
            query: [
              [parameter.name, first],
              [parameter.name, second],
            ],
          })),
      );
    }
    arbitraries.push(
      fc
        .tuple(
          fc.oneof(
            fc.constantFrom(
              ...UNKNOWN_KEYS.filter((key) => key !== ''),
              'limit[]',
              'a[b]',
              'region[0]',
              'LIMIT',
              'utf8✓',
            ),
            fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,15}$/),
          ),
          fc.string({ maxLength: 8 }),
        )
        .filter(([key]) => !operation.queryParameters.some((parameter) => parameter.name === key))
        .chain(([key, value]) =>
          (body ?? fc.constant(undefined)).map((bodyValue) => ({
            ...withBody(baseCase(operation, 'query unknown', `unknown parameter ${key}`), bodyValue),
            query: [[key, value]] as [string, string][],
          })),
        ),
    );
    return arbitraries;
  }

  function bodyCases(operation: ApiOperation, body: fc.Arbitrary<unknown>): fc.Arbitrary<CaseSpec>[] {
    const schema = operation.bodySchema!;
    const json = (
      kind: string,
      detail: string,
      value: unknown,
      mutated?: JsonPath,
      extra: Partial<CaseSpec> = {},
    ): CaseSpec => ({
      ...baseCase(operation, kind, detail),
      body: { json: value },
      contentType: 'application/json',
      mutated,
      ...extra,
    });
    // A body without a place of the kind (no list, say) is sent as it is: a valid case.
    const withPlace = (
      select: (place: Place) => boolean,
      mutate: (value: unknown, place: Place) => fc.Arbitrary<CaseSpec>,
    ): fc.Arbitrary<CaseSpec> =>
      body.chain((value) => {
        const places = placesOf(schemas, value, schema).filter(select);
        return places.length === 0
          ? fc.constant(json('valid', 'nothing of the kind to break', value))
          : fc.constantFrom(...places).chain((place) => mutate(value, place));
      });
    const describe = (place: Place): string => pointerOf(place.path) || '(body)';
    const stringPlace = (place: Place): boolean => typeof place.value === 'string';
    const cases: fc.Arbitrary<CaseSpec>[] = [
      withPlace(
        () => true,
        (value, place) =>
          fc
            .constantFrom(...WRONG_TYPE_VALUES.filter((wrong) => jsonType(wrong) !== jsonType(place.value)))
            .map((wrong) =>
              json(
                'wrong type',
                `${describe(place)} = ${JSON.stringify(wrong)}`,
                replaceAt(value, place.path, wrong),
                place.path,
              ),
            ),
      ),
      withPlace(
        (place) => place.path.length > 0 && typeof place.path[place.path.length - 1] === 'string',
        (value, place) =>
          fc.constant(
            json(
              'missing field',
              `${describe(place)} left out`,
              changeAt(value, place.path, (parent, key) => delete parent[key]),
              place.path,
            ),
          ),
      ),
      withPlace(
        (place) => jsonType(place.value) === 'object',
        (value, place) =>
          fc
            .tuple(
              fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string({ minLength: 1, maxLength: 12 })),
              fc.jsonValue({ maxDepth: 2 }),
            )
            .filter(
              ([key]) =>
                !Object.prototype.hasOwnProperty.call(place.value, key) &&
                !Object.prototype.hasOwnProperty.call(place.schema.properties ?? {}, key),
            )
            .map(([key, extra]) =>
              json(
                'unknown field',
                `${pointerOf([...place.path, key])} added`,
                changeAt(value, [...place.path, key], (parent) => define(parent, key, extra)),
                [...place.path, key],
              ),
            ),
      ),
      withPlace(stringPlace, (value, place) => {
        const max = typeof place.schema.maxLength === 'number' ? place.schema.maxLength : 1000;
        return fc
          .tuple(fc.constantFrom(max, max + 1, 100_000), fc.constantFrom('x', 'é', '😀', '海', 'a\u0301'))
          .map(([length, unit]) => {
            const huge = unit
              .repeat(Math.ceil(length / [...unit].length))
              .slice(0, unit === '😀' ? length * 2 : length);
            return json(
              'huge string',
              `${describe(place)} = ${length} × ${JSON.stringify(unit)}`,
              replaceAt(value, place.path, huge),
              place.path,
            );
          });
      }),
      withPlace(
        (place) => Array.isArray(place.value),
        (value, place) => {
          const max = typeof place.schema.maxItems === 'number' ? place.schema.maxItems : 100;
          const itemSchema = (place.schema.items ?? {}) as JsonSchema;
          const items = valueArbitrary(schemas, itemSchema, override, [...place.path, 0]);
          const resolved = schemas.resolve(itemSchema);
          const distinct = Array.isArray(resolved.enum) ? resolved.enum.length : Number.POSITIVE_INFINITY;
          // Distinct items as far as there are distinct values; beyond, the list repeats some.
          const exactly = (length: number): fc.Arbitrary<unknown[]> =>
            place.schema.uniqueItems && distinct >= length
              ? fc.uniqueArray(items, {
                  minLength: length,
                  maxLength: length,
                  selector: (item) => JSON.stringify(item),
                })
              : fc.array(items, { minLength: length, maxLength: length });
          return fc
            .oneof(
              exactly(Math.min(max, 200)),
              exactly(Math.min(max + 1, 201)),
              items.map((item) => Array.from({ length: 5000 }, () => item)),
            )
            .map((list) =>
              json(
                'huge list',
                `${describe(place)} with ${list.length} items`,
                replaceAt(value, place.path, list),
                place.path,
              ),
            );
        },
      ),
      withPlace(
        () => true,
        (value, place) =>
          fc.tuple(fc.constantFrom(12, 64, 1000, 20_000), fc.boolean()).map(([depth, arrays]) => {
            const open = arrays ? '[' : '{"a":';
            const close = arrays ? ']' : '}';
            const text = `${open.repeat(depth)}${arrays ? '' : '1'}${close.repeat(depth)}`;
            const standIn = arrays ? [[[[]]]] : { a: { a: { a: 1 } } };
            return {
              ...json('deep nesting', `${describe(place)} nested ${depth} deep`, value, place.path),
              body: { json: value, splice: { path: place.path, text, standIn } },
            };
          }),
      ),
      withPlace(stringPlace, (value, place) =>
        fc
          .constantFrom(...lookAlikes(place))
          .map((lookAlike) =>
            json(
              'look-alike value',
              `${describe(place)} = ${JSON.stringify(lookAlike).slice(0, 60)}`,
              replaceAt(value, place.path, lookAlike),
              place.path,
            ),
          ),
      ),
      withPlace(stringPlace, (value, place) =>
        fc
          .tuple(fc.constantFrom(...INJECTION_STRINGS), fc.boolean())
          .map(([injection, append]) =>
            json(
              'injection',
              `${describe(place)} ${append ? '+=' : '='} ${JSON.stringify(injection).slice(0, 50)}`,
              replaceAt(value, place.path, append ? `${String(place.value)}${injection}` : injection),
              place.path,
            ),
          ),
      ),
      withPlace(stringPlace, (value, place) =>
        fc
          .tuple(fc.constantFrom(...UNICODE_STRINGS), fc.boolean())
          .map(([text, append]) =>
            json(
              'unicode',
              `${describe(place)} ${append ? '+=' : '='} ${JSON.stringify(text)}`,
              replaceAt(value, place.path, append ? `${String(place.value)}${text}` : text),
              place.path,
            ),
          ),
      ),
      withPlace(
        (place) => typeof place.value === 'number',
        (value, place) =>
          fc
            .constantFrom(
              '0',
              '-0',
              '-1',
              '1e-7',
              '0.00001',
              '1.23456',
              '1.0',
              '1e12',
              '1000000000001',
              '1e15',
              '1000000000000002',
              '9007199254740993',
              '1e308',
              '5e-324',
              '1E400',
              '-1E400',
            )
            .map((token) => ({
              ...json('number edge', `${describe(place)} = ${token}`, value, place.path),
              body: {
                json: value,
                splice: { path: place.path, text: token, standIn: JSON.parse(token) as unknown },
              },
            })),
      ),
      // The body as a whole: not JSON, not an object, not UTF-8, the wrong type, too big.
      body.chain((value) => {
        const text = JSON.stringify(value);
        return fc
          .constantFrom(
            ['truncated', text.slice(0, Math.max(1, Math.floor(text.length / 2)))],
            ['trailing comma', `${text.slice(0, -1)},}`],
            ['single quotes', text.replace(/"/g, "'")],
            ['comment', `/* note */${text}`],
            ['trailing garbage', `${text} x`],
            ['two documents', `${text}${text}`],
            ['NaN', text.replace(/:\s*("[^"]*"|\d+)/, ':NaN')],
            ['raw control character', text.replace('"', '"\u0001')],
            ['null', 'null'],
            ['array', `[${text}]`],
            ['string', JSON.stringify(text)],
            ['number', '42'],
            ['empty', ''],
            ['whitespace', '   '],
            ['byte order mark', `\ufeff${text}`],
            ['surrounding whitespace', `\n\t ${text} \n`],
          )
          .map(([detail, raw]) => ({
            ...baseCase(operation, 'malformed body', detail),
            body: { raw: Buffer.from(raw, 'utf8') },
            contentType: 'application/json',
            mutated: [],
          }));
      }),
      body.chain((value) => {
        const text = Buffer.from(JSON.stringify(value), 'utf8');
        const at = text.indexOf(Buffer.from(':"')) + 2;
        return fc
          .constantFrom(
            ['ff'],
            ['c3', '28'],
            ['ed', 'a0', '80'],
            ['c0', 'af'],
            ['e2', '82'],
            ['f4', '90', '80', '80'],
            ['c3', 'a9'],
            ['e2', '82', 'ac'],
          )
          .map((bytes) => ({
            ...baseCase(operation, 'raw bytes', `bytes ${bytes.join(' ')} in the first string`),
            body: {
              raw:
                at > 1
                  ? Buffer.concat([
                      text.subarray(0, at),
                      Buffer.from(bytes.join(''), 'hex'),
                      text.subarray(at),
                    ])
                  : text,
            },
            contentType: 'application/json',
            mutated: [],
          }));
      }),
      body.chain((value) =>
        fc
          .constantFrom<string | null>(
            null,
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/merge-patch+json',
            'application/json-patch+json',
            'application/problem+json',
            'application/jsonx',
            'text/json',
            'application/json; charset=utf-8',
            'application/json;charset=UTF-8',
            'Application/JSON',
          )
          .map((contentType) => ({
            ...json('content type', `content-type ${String(contentType)}`, value),
            contentType,
          })),
      ),
      body.map((value) => ({
        ...baseCase(operation, 'oversized body', `${BODY_LIMIT_BYTES + 1024} bytes`),
        body: { raw: Buffer.from(`${JSON.stringify(value)}${' '.repeat(BODY_LIMIT_BYTES + 1024)}`, 'utf8') },
        contentType: 'application/json',
      })),
    ];
    return cases;
  }

  return { caseArbitraries };
}

/** The bytes a case sends (its body serialized, a splice put in verbatim). */
export function serialize(spec: CaseSpec): Buffer | undefined {
  if (!spec.body) return undefined;
  if (spec.body.raw) return spec.body.raw;
  const splice = spec.body.splice;
  if (!splice) return Buffer.from(JSON.stringify(spec.body.json), 'utf8');
  const marker = `SPLICE-${randomUUID()}`;
  const text = JSON.stringify(replaceAt(spec.body.json, splice.path, marker)).replace(
    `"${marker}"`,
    splice.text,
  );
  return Buffer.from(text, 'utf8');
}
