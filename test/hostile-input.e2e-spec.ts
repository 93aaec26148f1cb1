/**
 * Hostile and malformed input, generated from the OpenAPI document the gateway serves: for
 * every operation, valid requests built from its schemas are broken one field, parameter,
 * header or byte at a time (wrong types, missing and unknown fields, huge strings and lists,
 * deep nesting, bad codes and dates, injection strings, broken Unicode and UTF-8, wrong content
 * types, oversized bodies, forged cursors, bad ids). Each case is judged before it is sent, by
 * the published schema and the few rules stated below, never by what the hub answers. Every
 * answer must be the judged one: no 5xx, problem+json for every refusal naming the broken field
 * for a 400, nothing written for a refusal, and the gateway still up.
 *
 * HOSTILE_CASES (default 3000) sets the number of cases, HOSTILE_SEED replays a run.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
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
} from './support/hostile-values';
import {
  ADMIN_TOKEN,
  api,
  hubStateFingerprint,
  registerOrganization,
  type RunningService,
  startGateway,
  type TestOrganization,
} from './support/hub-harness';
import {
  type ApiOperation,
  fetchOpenApiDocument,
  fillPath,
  type JsonSchema,
  operationsOf,
  SchemaValidators,
  templateParameters,
} from './support/openapi-document';
import { type JsonPath, valueArbitrary } from './support/schema-arbitraries';
import { sampleAlert, sampleSeizure } from './support/fixtures';

const TOTAL_CASES = Number(process.env.HOSTILE_CASES ?? 3000);
const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BODY_LIMIT_BYTES = 256 * 1024;
const CONCURRENCY = 8;
const BATCH_SIZE = 120;

// ---------------------------------------------------------------------------------------------
// The rules the schemas cannot state, written out here (independently of the hub's code).

/** A seizure cannot lie in the future; five minutes of clock skew are tolerated. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Webhook hosts the gateway must accept (public unicast); every other host a case uses is not. */
const PUBLIC_WEBHOOK_URLS = [
  'https://93.184.216.34/hook',
  'https://8.8.8.8:8443/cosmo-hub?tenant=1',
  'http://[2606:4700:4700::1111]/hooks/hub',
  'https://1.1.1.1/a/b/c',
];
const PUBLIC_WEBHOOK_HOSTS = new Set(PUBLIC_WEBHOOK_URLS.map((url) => new URL(url).hostname));
const REFUSED_WEBHOOK_URLS = [
  'http://127.0.0.1/hook',
  'http://localhost:8080/hook',
  'http://[::1]/hook',
  'http://10.1.2.3/hook',
  'http://192.168.0.1/hook',
  'http://172.16.5.4/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/',
  'http://[::ffff:127.0.0.1]/hook',
  'http://0x7f000001/hook',
  'http://2130706433/hook',
  'http://0/hook',
  'http://100.64.0.1/hook',
  'http://224.0.0.1/hook',
  'ftp://93.184.216.34/hook',
  'javascript:alert(1)',
  'https://user:password@93.184.216.34/hook',
  'https://93.184.216.34/hook#fragment',
  'https://93.184.216.34\\@evil.example/',
  '//93.184.216.34/hook',
  '93.184.216.34/hook',
  'https://',
  'https://93.184.216.34:99999/hook',
  'https://exa mple.com/hook',
  'HTTPS://93.184.216.34/hook',
  `https://93.184.216.34/${'a'.repeat(2100)}`,
];

/** Organization codes are stored and shown lowercase, whatever case the client typed (ASCII letters only). */
function storedCode(code: unknown): unknown {
  return typeof code === 'string' ? code.replace(/[A-Z]/g, (letter) => letter.toLowerCase()) : code;
}

/** The body as the hub stores it: organization codes lowercased. */
function asStored(key: string, value: unknown): unknown {
  if (key === 'code') return storedCode(value);
  if (key === 'recipients' && Array.isArray(value)) return value.map(storedCode);
  return value;
}

/** How far back a new subscription may replay (the hub's default SUBSCRIPTION_REPLAY_MAX_DAYS, 30). */
const REPLAY_MAX_MS = 30 * 86_400_000;

function publicWebhookUrl(url: string): boolean {
  return URL.canParse(url) && PUBLIC_WEBHOOK_HOSTS.has(new URL(url).hostname);
}

/** Cursors: the hub accepts exactly what it could have issued, and nothing else. */
function canonicalBase64Url(cursor: string): Buffer | null {
  const bytes = Buffer.from(cursor, 'base64url');
  return cursor.length > 0 && bytes.toString('base64url') === cursor ? bytes : null;
}
const MAX_BIGINT = 2n ** 63n - 1n;
function canonicalNonNegative(text: string): boolean {
  return /^(0|[1-9]\d{0,18})$/.test(text) && BigInt(text) <= MAX_BIGINT;
}
type CursorKind = 'record-position' | 'entry-position-pair' | 'entry-position';
const CURSOR_RULES: Record<CursorKind, (value: string) => boolean> = {
  /** Record lists: base64url of exactly {"t": the instant as toISOString prints it, "i": the record id}. */
  'record-position': (value) => {
    const bytes = canonicalBase64Url(value);
    if (!bytes || !isUtf8(bytes)) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      return false;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const { t, i } = parsed as Record<string, unknown>;
    return (
      Object.keys(parsed).join() === 't,i' &&
      typeof t === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(t) &&
      !Number.isNaN(Date.parse(t)) &&
      new Date(t).toISOString() === t &&
      typeof i === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(i)
    );
  },
  /** Pull feeds and the audit trail: base64url of "<transaction id>:<entry id>", both non-negative 64-bit integers. */
  'entry-position-pair': (value) => {
    const bytes = canonicalBase64Url(value);
    if (!bytes || !isUtf8(bytes)) return false;
    const parts = bytes.toString('utf8').split(':');
    return parts.length === 2 && parts.every(canonicalNonNegative);
  },
  /** Delivery log: the entry id the previous page ended at. */
  'entry-position': canonicalNonNegative,
};
/** Which cursor each cursor parameter takes; a new one fails the test until it is listed here. */
const CURSOR_PARAMETERS: Record<string, CursorKind> = {
  'listAlerts.cursor': 'record-position',
  'listSeizures.cursor': 'record-position',
  'pullSubscriptionEvents.after': 'entry-position-pair',
  'listSubscriptionDeliveries.before': 'entry-position',
  'listAuditEntries.cursor': 'entry-position-pair',
};
function cursorKindOf(operation: { operationId: string }, name: string): CursorKind | undefined {
  const kind = CURSOR_PARAMETERS[`${operation.operationId}.${name}`];
  if (!kind && ['cursor', 'after', 'before'].includes(name))
    throw new Error(`${operation.operationId}.${name}: state in CURSOR_PARAMETERS which cursor it takes`);
  return kind;
}

// ---------------------------------------------------------------------------------------------
// Cases.

type PathValue = { target: true } | { raw: string };

interface BodySpec {
  /** The JSON value sent; at `splice`, `text` replaces it verbatim in the serialized body. */
  json?: unknown;
  splice?: { path: JsonPath; text: string; standIn: unknown };
  raw?: Buffer;
}

interface CaseSpec {
  kind: string;
  detail: string;
  path: Record<string, PathValue>;
  /** Decoded query pairs (encoded when sent), or `rawQuery` as is. */
  query: [string, string][];
  rawQuery?: string;
  body?: BodySpec;
  contentType: string | null;
  /** Where the case broke the body, for the field a 400 must name. */
  mutated?: JsonPath;
}

type Expectation =
  | { status: 400; pointers: string[] }
  | { status: 404 | 409 | 413 | 414 | 415 | 422 }
  | { status: 200 | 201 | 202 | 204 };

interface JudgedCase {
  operation: ApiOperation;
  spec: CaseSpec;
  /** Cases that change state or depend on what earlier cases did run one by one, in order. */
  sequential: boolean;
  expected?: Expectation;
}

function pointerOf(path: JsonPath): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of `__proto__` would set the prototype instead of adding the key a client sends.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) define(copy, key, clone((value as Record<string, unknown>)[key]));
    return copy;
  }
  return value;
}

function getAt(value: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment], value);
}

/** A copy of `value` with `change` applied to the parent of `path`. */
function changeAt(
  value: unknown,
  path: JsonPath,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = clone(value);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  change(parent, path[path.length - 1]);
  return copy;
}

function replaceAt(value: unknown, path: JsonPath, next: unknown): unknown {
  if (path.length === 0) return next;
  return changeAt(value, path, (parent, key) =>
    Array.isArray(parent) ? (parent[key as number] = next) : define(parent, String(key), next),
  );
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
  if (['country', 'origin', 'destination', 'transit', 'countries'].includes(name)) return 'country';
  if (name === 'currency') return 'currency';
  if (name === 'language') return 'language';
  if (['hsCode', 'hsPrefixes', 'hs'].includes(name)) return 'hs';
  if (place.schema.format === 'date-time' || ['seizedAt', 'validUntil', 'since'].includes(name))
    return 'date';
  if (['recipients', 'code'].includes(name)) return 'organizationCode';
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

describe('hostile and malformed input, generated from the OpenAPI document', () => {
  let gateway: RunningService;
  let schemas: SchemaValidators;
  let operations: ApiOperation[];
  let member: TestOrganization;
  let secretariat: TestOrganization;
  let partner: TestOrganization;
  let db: Client;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  /** The resources valid requests act on, and what the test knows about them. */
  const world = {
    alert: { id: '', body: {} as Record<string, unknown> },
    seizure: { id: '', body: {} as Record<string, unknown> },
    pullSubscription: '',
    webhookSubscription: '',
    keyId: '',
    /** `${type}:${reference}` → the canonical body first stored under it. */
    references: new Map<string, string>(),
    organizationCodes: new Set<string>(),
  };

  beforeAll(async () => {
    gateway = await startGateway(BODY_LIMIT_BYTES, {
      // The SSRF guard is part of what is attacked here; no case needs a name resolved.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false',
    });
    const document = await fetchOpenApiDocument(gateway.url);
    schemas = new SchemaValidators(document);
    operations = operationsOf(document);
    member = await registerOrganization(gateway.url, { kind: 'member', country: 'FR' });
    secretariat = await registerOrganization(gateway.url, { kind: 'secretariat' });
    partner = await registerOrganization(gateway.url, { kind: 'partner' });
    world.organizationCodes.add(member.code).add(secretariat.code).add(partner.code);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    world.alert = await createRecord('alert');
    world.seizure = await createRecord('seizure');
    world.pullSubscription = await createSubscription({ type: 'pull' });
    world.webhookSubscription = await createSubscription({ type: 'webhook', url: PUBLIC_WEBHOOK_URLS[0] });
    world.keyId = await issueKey();
  });

  afterAll(async () => {
    agent.destroy();
    await db?.end();
    await gateway?.close();
  });

  async function createRecord(
    type: 'alert' | 'seizure',
  ): Promise<{ id: string; body: Record<string, unknown> }> {
    // Every stored record starts from the same body, so a patch is judged against a known record.
    const body = type === 'alert' ? sampleAlert() : sampleSeizure();
    const reference = String(body.reference);
    const created = await api<{ id: string }>(
      gateway.url,
      'POST',
      type === 'alert' ? '/v1/alerts' : '/v1/seizures',
      {
        key: member.apiKey,
        body,
      },
    );
    if (created.status !== 201)
      throw new Error(`setup ${type}: ${created.status} ${JSON.stringify(created.body)}`);
    world.references.set(`${type}:${reference}`, canonical(body));
    return { id: created.body.id, body };
  }

  async function createSubscription(delivery: Record<string, unknown>): Promise<string> {
    const created = await api<{ subscription: { id: string } }>(gateway.url, 'POST', '/v1/subscriptions', {
      key: member.apiKey,
      body: { name: 'Hostile input target', filter: { categories: ['nuclear'] }, delivery },
    });
    if (created.status !== 201)
      throw new Error(`setup subscription: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.subscription.id;
  }

  async function issueKey(): Promise<string> {
    const issued = await api<{ id: string }>(
      gateway.url,
      'POST',
      `/v1/admin/organizations/${member.code}/api-keys`,
      {
        key: ADMIN_TOKEN,
      },
    );
    if (issued.status !== 201) throw new Error(`setup key: ${issued.status}`);
    return issued.body.id;
  }

  // -------------------------------------------------------------------------------------------
  // What each operation does with a valid request: who calls it, which resource it acts on, what
  // it answers. A new operation fails the test until it has its row here.

  interface OperationRule {
    /** The operator's token, or the key of the member or of the secretariat. */
    caller: 'member' | 'secretariat' | 'admin';
    /** Path values of the resource a valid request acts on (`fresh` for one of its own). */
    target?: (fresh: boolean) => Promise<Record<string, string>>;
    /** The answer to a valid request; may consult and update what the test knows. */
    success: (body: unknown) => Expectation['status'];
    /** Valid requests change the resource, or use it up: each gets a fresh one. */
    fresh?: boolean;
    /** A patch is judged on the record it makes: the base record with the patch applied. */
    patchOf?: 'alert' | 'seizure';
    verify?: (body: unknown, answer: unknown) => void;
  }

  const submitted = (type: 'alert' | 'seizure') => (body: unknown) => {
    const key = `${type}:${String((body as { reference: string }).reference)}`;
    const previous = world.references.get(key);
    if (previous === undefined) {
      world.references.set(key, canonical(body));
      return 201;
    }
    return previous === canonical(body) ? 200 : 409;
  };
  const echoes = (body: unknown, answer: unknown): void => {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      expect({ [key]: canonical((answer as Record<string, unknown>)[key]) }).toEqual({
        [key]: canonical(asStored(key, value)),
      });
    }
  };
  const recordTarget = (type: 'alert' | 'seizure') => async (fresh: boolean) => ({
    id: fresh ? (await createRecord(type)).id : world[type].id,
  });
  const subscriptionTarget = (which: 'pull' | 'webhook') => async (fresh: boolean) => ({
    id: fresh
      ? await createSubscription(
          which === 'pull' ? { type: 'pull' } : { type: 'webhook', url: PUBLIC_WEBHOOK_URLS[1] },
        )
      : which === 'pull'
        ? world.pullSubscription
        : world.webhookSubscription,
  });
  const unknownDelivery = () => Promise.resolve({ id: world.webhookSubscription, deliveryId: randomUUID() });

  const OPERATION_RULES: Record<string, OperationRule> = {
    listOrganizations: { caller: 'admin', success: () => 200 },
    createOrganization: {
      caller: 'admin',
      success: (body) => {
        const code = String(storedCode((body as { code: string }).code));
        if (world.organizationCodes.has(code)) return 409;
        world.organizationCodes.add(code);
        return 201;
      },
      verify: (body, answer) => echoes(body, (answer as { organization: unknown }).organization),
    },
    listApiKeys: {
      caller: 'admin',
      target: () => Promise.resolve({ code: member.code }),
      success: () => 200,
    },
    issueApiKey: {
      caller: 'admin',
      target: () => Promise.resolve({ code: member.code }),
      success: () => 201,
    },
    revokeApiKey: {
      caller: 'admin',
      target: async (fresh) => ({ code: member.code, keyId: fresh ? await issueKey() : world.keyId }),
      success: () => 204,
      fresh: true,
    },
    // A valid issuance is refused by the domain rule (a partner agency reads no regional stream):
    // it still goes through every check of the request, and writes nothing, without starting a
    // JVM on the brokers for each case. test/stream-credentials.e2e-spec.ts covers issuing.
    issueStreamCredential: {
      caller: 'admin',
      target: () => Promise.resolve({ code: partner.code }),
      success: () => 422,
    },
    listStreamCredentials: {
      caller: 'admin',
      target: () => Promise.resolve({ code: member.code }),
      success: () => 200,
    },
    // No credential is issued in this test: a well-formed username is an unknown one.
    revokeStreamCredential: {
      caller: 'admin',
      target: () => Promise.resolve({ code: member.code, username: `stream-${member.code}-aaaaaaaaaa` }),
      success: () => 404,
    },
    listAlerts: { caller: 'member', success: () => 200 },
    submitAlert: { caller: 'member', success: submitted('alert'), verify: echoes },
    getAlert: { caller: 'member', target: recordTarget('alert'), success: () => 200 },
    reviseAlert: {
      caller: 'member',
      target: recordTarget('alert'),
      success: () => 200,
      fresh: true,
      patchOf: 'alert',
    },
    withdrawAlert: { caller: 'member', target: recordTarget('alert'), success: () => 200, fresh: true },
    listSeizures: { caller: 'member', success: () => 200 },
    submitSeizure: { caller: 'member', success: submitted('seizure'), verify: echoes },
    getSeizure: { caller: 'member', target: recordTarget('seizure'), success: () => 200 },
    reviseSeizure: {
      caller: 'member',
      target: recordTarget('seizure'),
      success: () => 200,
      fresh: true,
      patchOf: 'seizure',
    },
    withdrawSeizure: { caller: 'member', target: recordTarget('seizure'), success: () => 200, fresh: true },
    listSubscriptions: { caller: 'member', success: () => 200 },
    createSubscription: {
      caller: 'member',
      success: () => 201,
      verify: (body, answer) => {
        // replayFrom is an instruction, not a property: the answer says where the replay started.
        const { replayFrom, ...subscription } = body as Record<string, unknown>;
        const created = answer as { subscription: unknown; replay?: { from: string } };
        echoes(subscription, created.subscription);
        expect(created.replay?.from).toEqual(
          typeof replayFrom === 'string' ? new Date(replayFrom).toISOString() : undefined,
        );
      },
    },
    getSubscription: { caller: 'member', target: subscriptionTarget('pull'), success: () => 200 },
    updateSubscription: {
      caller: 'member',
      target: subscriptionTarget('webhook'),
      success: () => 200,
      fresh: true,
      verify: (body, answer) => echoes(body, (answer as { subscription: unknown }).subscription),
    },
    deleteSubscription: {
      caller: 'member',
      target: subscriptionTarget('pull'),
      success: () => 204,
      fresh: true,
    },
    rotateSubscriptionSecret: { caller: 'member', target: subscriptionTarget('webhook'), success: () => 200 },
    resumeSubscription: { caller: 'member', target: subscriptionTarget('webhook'), success: () => 200 },
    pullSubscriptionEvents: { caller: 'member', target: subscriptionTarget('pull'), success: () => 200 },
    listSubscriptionDeliveries: {
      caller: 'member',
      target: subscriptionTarget('webhook'),
      success: () => 200,
    },
    listAuditEntries: { caller: 'secretariat', success: () => 200 },
    // No delivery exists in this test: a well-formed delivery id is an unknown one.
    retrySubscriptionDelivery: { caller: 'member', target: unknownDelivery, success: () => 404 },
  };

  // -------------------------------------------------------------------------------------------
  // Generation.

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
    if (name === 'country' && path.length === 1)
      return fc.constantFrom(...Object.keys(MEMBER_COUNTRY_REGIONS));
    return undefined;
  };

  /** Why a body is refused: the pointers of its faults, empty when it is valid. */
  function bodyFaults(operation: ApiOperation, body: unknown): string[] {
    const faults = schemaFaults(operation.bodySchema!, body).concat(overlayFaults(operation, body));
    const rule = OPERATION_RULES[operation.operationId];
    if (faults.length > 0 || !rule?.patchOf) return faults;
    const record = clone(world[rule.patchOf].body) as Record<string, unknown>;
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (value === null) delete record[key];
      else define(record, key, value);
    }
    const recordSchema = {
      $ref: `#/components/schemas/${rule.patchOf === 'alert' ? 'Alert' : 'SeizureNotice'}`,
    };
    return schemaFaults(recordSchema, record).concat(overlayFaults(operation, record));
  }

  function schemaFaults(schema: JsonSchema, value: unknown): string[] {
    return schemas.faults(schema, value);
  }

  function overlayFaults(operation: ApiOperation, body: unknown): string[] {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
    const value = body as Record<string, unknown>;
    const faults: string[] = [];
    if (typeof value.seizedAt === 'string' && Date.parse(value.seizedAt) > Date.now() + FUTURE_TOLERANCE_MS)
      faults.push('/seizedAt');
    const delivery = value.delivery as Record<string, unknown> | undefined;
    if (
      delivery &&
      delivery.type === 'webhook' &&
      typeof delivery.url === 'string' &&
      !publicWebhookUrl(delivery.url)
    )
      faults.push('/delivery/url');
    // Codes that differ only in case are one code.
    if (Array.isArray(value.recipients)) {
      const codes = value.recipients.map(storedCode);
      if (new Set(codes.map((code) => JSON.stringify(code))).size < codes.length) faults.push('/recipients');
    }
    // A replay starts at a time at most REPLAY_MAX_MS back (a minute's margin for the clock), or at
    // a cursor of the caller's own feeds, which no generated case holds.
    if (
      typeof value.replayFrom === 'string' &&
      !(
        /^\d{4}-\d{2}-\d{2}T/.test(value.replayFrom) &&
        Date.parse(value.replayFrom) >= Date.now() - REPLAY_MAX_MS + 60_000
      )
    )
      faults.push('/replayFrom');
    if (operation.bodySchemaName === 'CreateOrganizationDto') {
      if (
        value.kind === 'member' &&
        !(typeof value.country === 'string' && value.country in MEMBER_COUNTRY_REGIONS)
      )
        faults.push('/country');
      if (value.kind === 'rilo' && value.region === undefined) faults.push('/region');
      // A member's region follows from its country; only RILOs declare one, only members a country.
      if (value.kind !== 'member' && value.country !== undefined) faults.push('/country');
      if (value.kind !== 'rilo' && value.region !== undefined) faults.push('/region');
    }
    return faults;
  }

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

  function queryFaults(operation: ApiOperation, query: [string, string][]): string[] {
    const declared = new Map(operation.queryParameters.map((parameter) => [parameter.name, parameter]));
    const faults: string[] = [];
    const seen = new Set<string>();
    for (const [name, value] of query) {
      const parameter = declared.get(name);
      if (!parameter || seen.has(name)) {
        faults.push(pointerOf([name]));
        continue;
      }
      seen.add(name);
      const schema = parameter.schema;
      const cursor = cursorKindOf(operation, name);
      const valid =
        cursor !== undefined
          ? CURSOR_RULES[cursor](value) && schemas.accepts(schema, value)
          : schema.type === 'integer'
            ? /^\d+$/.test(value) &&
              Number(value) >= Number(schema.minimum ?? 0) &&
              Number(value) <= Number(schema.maximum ?? Infinity)
            : schemas.accepts(schema, value);
      if (!valid) faults.push(pointerOf([name]));
    }
    // A period ends after it starts.
    const values = new Map(query);
    const [since, until] = [values.get('since'), values.get('until')];
    if (
      faults.length === 0 &&
      since !== undefined &&
      until !== undefined &&
      Date.parse(until) <= Date.parse(since)
    )
      faults.push('/until');
    return faults;
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

  // -------------------------------------------------------------------------------------------
  // Judging and sending.

  function serialize(spec: CaseSpec): Buffer | undefined {
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

  /** The body the hub will see, as a value: undefined for none, or the failure to read it. */
  function parsedBody(spec: CaseSpec, bytes: Buffer | undefined): { value: unknown } | { fault: string } {
    if (!spec.body || !bytes) return { value: undefined };
    if (spec.body.splice)
      return { value: replaceAt(spec.body.json, spec.body.splice.path, spec.body.splice.standIn) };
    if (spec.body.json !== undefined) return { value: spec.body.json };
    if (!isUtf8(bytes)) return { fault: '' };
    const text = bytes.toString('utf8').replace(/^\ufeff/, '');
    if (text === '') return { value: undefined };
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return { fault: '' };
    }
  }

  function judge(
    operation: ApiOperation,
    spec: CaseSpec,
    bytes: Buffer | undefined,
  ): Omit<JudgedCase, 'spec' | 'operation'> {
    const writes = operation.method !== 'GET';
    const refuse = (expected: Expectation): Omit<JudgedCase, 'spec' | 'operation'> => ({
      sequential: false,
      expected,
    });
    if (spec.body && bytes) {
      if (bytes.length > BODY_LIMIT_BYTES) return refuse({ status: 413 });
      const mediaType = spec.contentType?.split(';')[0].trim().toLowerCase();
      if (mediaType !== 'application/json') return refuse({ status: 415 });
    }
    for (const name of templateParameters(operation.path)) {
      const value = spec.path[name];
      if ('target' in value) continue;
      let decoded: string;
      try {
        decoded = decodeURIComponent(value.raw);
      } catch {
        return refuse({ status: 400, pointers: [pointerOf([name])] });
      }
      if (decoded.length > MAX_PATH_PARAMETER_LENGTH) return refuse({ status: 414 });
      const parameter = operation.pathParameters.find((candidate) => candidate.name === name);
      if (!parameter) throw new Error(`${operation.operationId}: path parameter ${name} is not documented`);
      if (!schemas.accepts(parameter.schema, decoded))
        return refuse({ status: 400, pointers: [pointerOf([name])] });
    }
    const query = spec.rawQuery === undefined ? queryFaults(operation, spec.query) : [];
    if (query.length > 0) return refuse({ status: 400, pointers: query });
    if (operation.bodySchema) {
      const parsed = parsedBody(spec, bytes);
      if ('fault' in parsed) return refuse({ status: 400, pointers: [parsed.fault] });
      const faults = bodyFaults(operation, parsed.value);
      if (faults.length > 0) {
        const near = spec.mutated && spec.mutated.length > 0 ? [pointerOf(spec.mutated)] : [];
        return refuse({ status: 400, pointers: [...new Set([...near, ...faults])] });
      }
    }
    if (Object.values(spec.path).some((value) => !('target' in value))) return refuse({ status: 404 });
    // Valid: what it answers may depend on earlier cases (duplicates), so it is decided when sent.
    return { sequential: writes };
  }

  interface Answer {
    status: number;
    contentType: string;
    text: string;
  }

  function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ): Promise<Answer> {
    const url = new URL(gateway.url);
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              contentType: String(response.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  function requestPath(operation: ApiOperation, spec: CaseSpec, targets: Record<string, string>): string {
    const values = Object.fromEntries(
      Object.entries(spec.path).map(([name, value]) => [
        name,
        'target' in value ? encodeURIComponent(targets[name]) : value.raw,
      ]),
    );
    const query =
      spec.rawQuery ??
      spec.query.map(([key, value]) => `${encodeQueryPart(key)}=${encodeQueryPart(value)}`).join('&');
    return `${fillPath(operation.path, values)}${query ? `?${query}` : ''}`;
  }

  /** Percent-encoding, lone surrogates included (as the bytes WTF-8 gives them: invalid UTF-8). */
  function encodeQueryPart(text: string): string {
    return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (unit) => {
      const code = unit.codePointAt(0)!;
      if (unit.length === 1 && code >= 0xd800 && code <= 0xdfff) {
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('');
      }
      return encodeURIComponent(unit);
    });
  }

  /** Checks one answer against its expectation; returns what is wrong, or null. */
  function verdict(expected: Expectation, answer: Answer): string | null {
    if (answer.status >= 500) return `server error ${answer.status}: ${answer.text.slice(0, 300)}`;
    if (answer.status !== expected.status)
      return `expected ${expected.status}, got ${answer.status}: ${answer.text.slice(0, 300)}`;
    if (answer.status >= 400) {
      if (!answer.contentType.startsWith('application/problem+json'))
        return `refusal is ${answer.contentType}, not problem+json: ${answer.text.slice(0, 200)}`;
      let problem: {
        status?: number;
        title?: string;
        type?: string;
        errors?: { field?: unknown; pointer?: unknown; detail?: unknown }[];
      };
      try {
        problem = JSON.parse(answer.text) as typeof problem;
      } catch {
        return `problem+json that is not JSON: ${answer.text.slice(0, 200)}`;
      }
      if (
        problem.status !== answer.status ||
        typeof problem.title !== 'string' ||
        typeof problem.type !== 'string'
      )
        return `malformed problem document ${answer.text.slice(0, 200)}`;
      if (expected.status === 400) {
        const errors = problem.errors ?? [];
        if (errors.length === 0) return `400 without errors: ${answer.text.slice(0, 200)}`;
        for (const error of errors) {
          if (
            typeof error.field !== 'string' ||
            typeof error.pointer !== 'string' ||
            typeof error.detail !== 'string'
          )
            return `malformed error entry ${JSON.stringify(error)}`;
        }
        const named = errors.some((error) =>
          expected.pointers.some(
            (pointer) => error.pointer === pointer || String(error.pointer).startsWith(`${pointer}/`),
          ),
        );
        if (!named)
          return `errors ${JSON.stringify(errors.map((error) => error.pointer))} do not name ${JSON.stringify(expected.pointers)}`;
      }
    } else if (answer.status !== 204 && !answer.contentType.startsWith('application/json')) {
      return `answer is ${answer.contentType}`;
    }
    return null;
  }

  function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value && typeof value === 'object') {
      return `{${Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
        .join(',')}}`;
    }
    return JSON.stringify(value) ?? 'undefined';
  }

  it('answers every generated case as judged, writes nothing when it refuses, and stays up', async () => {
    const unknown = operations.filter((operation) => !OPERATION_RULES[operation.operationId]);
    expect(unknown.map((operation) => operation.operationId)).toEqual([]);

    const weights = operations.map(
      (operation) =>
        1 +
        (operation.bodySchema ? 4 : 0) +
        operation.queryParameters.length * 0.5 +
        operation.pathParameters.length * 0.5,
    );
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const cases: JudgedCase[] = [];
    operations.forEach((operation, index) => {
      const count = Math.max(20, Math.round((TOTAL_CASES * weights[index]) / total));
      const seed = (SEED + index * 7919) % 2 ** 31;
      const started = Date.now();
      for (const spec of fc.sample(fc.oneof(...caseArbitraries(operation)), { seed, numRuns: count })) {
        const judged = judge(operation, spec, serialize(spec));
        cases.push({ operation, spec, ...judged });
      }
      if (process.env.HOSTILE_DEBUG)
        process.stdout.write(`generated ${operation.operationId} in ${Date.now() - started} ms\n`);
    });

    const failures: string[] = [];
    const tally = new Map<string, Map<string, number>>();
    const count = (operation: string, status: number): void => {
      const row = tally.get(operation) ?? new Map<string, number>();
      row.set(String(status), (row.get(String(status)) ?? 0) + 1);
      tally.set(operation, row);
    };
    const describeCase = (judged: JudgedCase, path: string): string =>
      `${judged.operation.operationId} ${judged.operation.method} ${path.slice(0, 160)} [${judged.spec.kind}: ${judged.spec.detail}]`;

    const run = async (judged: JudgedCase): Promise<void> => {
      const rule = OPERATION_RULES[judged.operation.operationId];
      const bytes = serialize(judged.spec);
      const targets = rule.target
        ? await rule.target(judged.expected === undefined && rule.fresh === true)
        : {};
      const path = requestPath(judged.operation, judged.spec, targets);
      const parsed = parsedBody(judged.spec, bytes);
      const value = 'value' in parsed ? parsed.value : undefined;
      const expected: Expectation = judged.expected ?? ({ status: rule.success(value) } as Expectation);
      const headers: Record<string, string> = {
        authorization: `Bearer ${{ admin: ADMIN_TOKEN, member: member.apiKey, secretariat: secretariat.apiKey }[rule.caller]}`,
      };
      if (judged.spec.contentType !== null) headers['content-type'] = judged.spec.contentType;
      const before = judged.sequential && expected.status >= 400 ? await hubStateFingerprint(db) : undefined;
      let answer: Answer;
      try {
        answer = await send(judged.operation.method, path, headers, bytes);
      } catch (error) {
        failures.push(`${describeCase(judged, path)}: no answer (${String(error)})`);
        return;
      }
      count(judged.operation.operationId, answer.status);
      const wrong = verdict(expected, answer);
      if (wrong) {
        failures.push(`${describeCase(judged, path)}: ${wrong}`);
        return;
      }
      if (before) {
        const after = await hubStateFingerprint(db);
        if (JSON.stringify(after) !== JSON.stringify(before))
          failures.push(`${describeCase(judged, path)}: refused but changed state`);
      }
      if (answer.status < 300 && answer.status !== 204 && rule.verify && value !== undefined) {
        try {
          rule.verify(value, JSON.parse(answer.text));
        } catch (error) {
          failures.push(
            `${describeCase(judged, path)}: accepted but not stored as sent: ${String(error).slice(0, 300)}`,
          );
        }
      }
    };

    const concurrent = cases.filter((judged) => !judged.sequential);
    for (let start = 0; start < concurrent.length; start += BATCH_SIZE) {
      const batch = concurrent.slice(start, start + BATCH_SIZE);
      const before = await hubStateFingerprint(db);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) await run(batch[next++]);
        }),
      );
      if (process.env.HOSTILE_DEBUG) process.stdout.write(`batch at ${start} done ${Date.now()}\n`);
      const after = await hubStateFingerprint(db);
      const changed = Object.keys(after).filter(
        (table) => JSON.stringify(after[table]) !== JSON.stringify(before[table]),
      );
      if (changed.length > 0)
        failures.push(`a batch of refused requests and reads changed ${changed.join(', ')}`);
      const health = await api(gateway.url, 'GET', '/health');
      if (health.status !== 200) failures.push(`gateway unhealthy after a batch: ${health.status}`);
    }
    for (const judged of cases.filter((candidate) => candidate.sequential)) await run(judged);
    expect((await api(gateway.url, 'GET', '/health')).status).toBe(200);

    const lines = [...tally.entries()].map(([operation, statuses]) => {
      const all = [...statuses.values()].reduce((sum, n) => sum + n, 0);
      const detail = [...statuses.entries()]
        .sort()
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      return `  ${operation.padEnd(28)} ${String(all).padStart(5)}  ${detail}`;
    });
    process.stdout.write(
      `[hostile input] seed ${SEED}: ${cases.length} cases over ${operations.length} operations, ${failures.length} failed\n${lines.join('\n')}\n`,
    );
    if (process.env.HOSTILE_REPORT) writeFileSync(process.env.HOSTILE_REPORT, `${failures.join('\n')}\n`);
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${cases.length} hostile cases failed (replay: HOSTILE_SEED=${SEED} HOSTILE_CASES=${TOTAL_CASES})\n` +
          failures.slice(0, 40).join('\n'),
      );
    }
  }, 600_000);
});
