import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The OASIS STIX 2.1 JSON Schemas are draft 2020-12 documents ($schema says so): Ajv2020 reads them.
const ROOT = join(__dirname, 'stix2.1-schemas', 'schemas');
const SCHEMA_BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function loaded(): Ajv2020 {
  if (ajv) return ajv;
  // As published: strict mode refuses the OASIS files' `definitions` beside 2020-12 keywords, and
  // their patterns escape `-` (`\-?`), which is valid ECMA-262 only without the unicode flag.
  ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  // Formats only the cyber-observable schemas use; checked loosely, the hub renders none of them.
  ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('idn-hostname', /^[^\s/]+$/);
  for (const folder of readdirSync(ROOT)) {
    for (const file of readdirSync(join(ROOT, folder))) {
      ajv.addSchema(JSON.parse(readFileSync(join(ROOT, folder, file), 'utf8')) as object);
    }
  }
  return ajv;
}

function validator(path: string): ValidateFunction {
  let validate = validators.get(path);
  if (!validate) {
    validate = loaded().getSchema(`${SCHEMA_BASE}${path}`);
    if (!validate) throw new Error(`no OASIS schema ${path}`);
    validators.set(path, validate);
  }
  return validate;
}

/** The OASIS schema of each STIX object type the hub renders. */
const OBJECT_SCHEMAS: Record<string, string> = {
  identity: 'sdos/identity.json',
  location: 'sdos/location.json',
  note: 'sdos/note.json',
  opinion: 'sdos/opinion.json',
  report: 'sdos/report.json',
  grouping: 'sdos/grouping.json',
  sighting: 'sros/sighting.json',
  'marking-definition': 'common/marking-definition.json',
  'extension-definition': 'common/extension-definition.json',
};

function errorsOf(validate: ValidateFunction, label: string): string[] {
  return (validate.errors ?? []).map((error) => `${label}${error.instancePath} ${error.message ?? ''}`);
}

/**
 * Every violation of a STIX object against its own OASIS schema. Objects of a type the schemas
 * do not know are refused: the bundle schema would accept them as custom objects.
 */
export function stixObjectViolations(object: { type?: unknown; id?: unknown }): string[] {
  const path = typeof object.type === 'string' ? OBJECT_SCHEMAS[object.type] : undefined;
  if (!path) return [`${String(object.id)}: no OASIS schema for type ${String(object.type)}`];
  const validate = validator(path);
  const label = String(object.id);
  return validate(object) ? [] : errorsOf(validate, label);
}

/**
 * The object types the OASIS bundle schema lists by name (read from the schema itself). Other
 * types (grouping, location, note, opinion, extension-definition in this copy) fall to its
 * custom-object branch, `oneOf: [core, cyber-observable-core]`, which any SDO satisfies twice and
 * so fails (the defect oasis-open/cti-stix2-json-schemas#133 reported for infrastructure).
 */
function bundleListedTypes(): Set<string> {
  const bundle = JSON.parse(readFileSync(join(ROOT, 'common', 'bundle.json'), 'utf8')) as {
    properties: { objects: { items: { anyOf: [{ oneOf: { $ref: string }[] }] } } };
  };
  return new Set(
    bundle.properties.objects.items.anyOf[0].oneOf.map(({ $ref }) => $ref.replace(/^.*\/|\.json$/g, '')),
  );
}

/**
 * Every violation of a bundle: against the OASIS bundle schema (with the objects of the types it
 * lists), and each object against the OASIS schema of its own type.
 */
export function stixBundleViolations(bundle: unknown): string[] {
  const objects = (bundle as { objects?: unknown }).objects;
  if (!Array.isArray(objects)) return ['bundle: no objects'];
  const listed = bundleListedTypes();
  const envelope = {
    ...(bundle as object),
    objects: objects.filter((object) => listed.has((object as { type?: string }).type ?? '')),
  };
  const validate = validator('common/bundle.json');
  const violations = validate(envelope) ? [] : errorsOf(validate, 'bundle');
  return [...violations, ...objects.flatMap((object) => stixObjectViolations(object as { type?: unknown }))];
}
