import { JSON_SCHEMA_DIALECT, contractJsonSchemas, type JsonSchema } from './contract.schemas';

/** The shapes shipped as files; their nested shapes and code lists are bundled under $defs. */
export const SCHEMA_FILE_ROOTS = [
  'Alert',
  'SeizureNotice',
  'AlertUpdate',
  'SeizureNoticeUpdate',
  'PublishedAlert',
  'PublishedSeizureNotice',
  'HubCloudEvent',
  'HubRecallEvent',
  'NewSubscription',
  'SubscriptionUpdate',
  'SubscriptionFilter',
  'SubscriptionDelivery',
] as const;

const DEFS_PREFIX = '#/$defs/';

function refsIn(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((item) => refsIn(item, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && item.startsWith(DEFS_PREFIX))
        found.add(item.slice(DEFS_PREFIX.length));
      else refsIn(item, found);
    }
  }
}

function bundle(root: string, schemas: Record<string, JsonSchema>): JsonSchema {
  const needed = new Set<string>();
  const pending = [root];
  while (pending.length > 0) {
    const found = new Set<string>();
    refsIn(schemas[pending.pop() as string], found);
    for (const name of found) {
      if (!needed.has(name) && name !== root) {
        needed.add(name);
        pending.push(name);
      }
    }
  }
  const defs = Object.fromEntries([...needed].sort().map((name) => [name, schemas[name]]));
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:cosmo-hub:contracts:v1:${root}`,
    title: root,
    ...schemas[root],
    ...(needed.size > 0 ? { $defs: defs } : {}),
  };
}

/** Objects with sorted keys, arrays untouched: files diff cleanly and never churn. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** File name -> content of every schema file, exactly as committed under libs/contracts/schemas. */
export function renderSchemaFiles(): Record<string, string> {
  const schemas = contractJsonSchemas({ refPointerPrefix: DEFS_PREFIX });
  return Object.fromEntries(
    SCHEMA_FILE_ROOTS.map((root) => [
      `${root}.schema.json`,
      `${JSON.stringify(sortKeys(bundle(root, schemas)), null, 2)}\n`,
    ]),
  );
}
