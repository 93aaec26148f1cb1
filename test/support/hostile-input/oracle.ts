import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { MEMBER_COUNTRY_REGIONS } from '@hub/contracts';
import { MAX_PATH_PARAMETER_LENGTH } from '@hub/platform';
import type { TestOrganization } from '../hub-harness';
import {
  type ApiOperation,
  type JsonSchema,
  SchemaValidators,
  templateParameters,
} from '../openapi-document';
import type { JsonPath } from '../schema-arbitraries';

/**
 * The oracle of the hostile-input test: what the hub must answer to a case, judged before it is
 * sent from the published schema and the few rules stated here (independently of the hub's code),
 * and whether an answer is the judged one.
 */

/** The gateway's body limit in this test: a larger body is refused with 413. */
export const BODY_LIMIT_BYTES = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// The rules the schemas cannot state, written out here (independently of the hub's code).

/** A seizure cannot lie in the future; five minutes of clock skew are tolerated. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** Webhook hosts the gateway must accept (public unicast); every other host a case uses is not. */
export const PUBLIC_WEBHOOK_URLS = [
  'https://93.184.216.34/hook',
  'https://8.8.8.8:8443/cosmo-hub?tenant=1',
  'http://[2606:4700:4700::1111]/hooks/hub',
  'https://1.1.1.1/a/b/c',
];
const PUBLIC_WEBHOOK_HOSTS = new Set(PUBLIC_WEBHOOK_URLS.map((url) => new URL(url).hostname));
export const REFUSED_WEBHOOK_URLS = [
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
export function storedCode(code: unknown): unknown {
  return typeof code === 'string' ? code.replace(/[A-Z]/g, (letter) => letter.toLowerCase()) : code;
}

/** The body as the hub stores it: organization codes lowercased. */
export function asStored(key: string, value: unknown): unknown {
  if (key === 'code') return storedCode(value);
  if (['recipients', 'excludeOrganizations'].includes(key) && Array.isArray(value))
    return value.map(storedCode);
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
export const MAX_BIGINT = 2n ** 63n - 1n;
function canonicalNonNegative(text: string): boolean {
  return /^(0|[1-9]\d{0,18})$/.test(text) && BigInt(text) <= MAX_BIGINT;
}
export type CursorKind =
  'record-position' | 'entry-position-pair' | 'entry-position' | 'resource-id' | 'escalation-position';
export const CURSOR_RULES: Record<CursorKind, (value: string) => boolean> = {
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
  /** Escalations: base64url of "<instant as toISOString prints it>|<lowercase UUID>". */
  'escalation-position': (value) => {
    const bytes = canonicalBase64Url(value);
    if (!bytes || !isUtf8(bytes)) return false;
    const parts = bytes.toString('utf8').split('|');
    return (
      parts.length === 2 &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(parts[0]) &&
      !Number.isNaN(Date.parse(parts[0])) &&
      new Date(parts[0]).toISOString() === parts[0] &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(parts[1])
    );
  },
  /** Delivery log: the entry id the previous page ended at. */
  'entry-position': canonicalNonNegative,
  /** Subscription list: the id of the last subscription of the previous page. */
  'resource-id': (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value),
};
/** Which cursor each cursor parameter takes; a new one fails the test until it is listed here. */
const CURSOR_PARAMETERS: Record<string, CursorKind> = {
  'listAlerts.cursor': 'record-position',
  'listSeizures.cursor': 'record-position',
  'pullSubscriptionEvents.after': 'entry-position-pair',
  'listSubscriptionDeliveries.before': 'entry-position',
  'listSubscriptions.after': 'resource-id',
  'listAuditEntries.cursor': 'entry-position-pair',
  'readInbox.cursor': 'entry-position-pair',
  'listEscalations.cursor': 'escalation-position',
};
export function cursorKindOf(operation: { operationId: string }, name: string): CursorKind | undefined {
  const kind = CURSOR_PARAMETERS[`${operation.operationId}.${name}`];
  if (!kind && ['cursor', 'after', 'before'].includes(name))
    throw new Error(`${operation.operationId}.${name}: state in CURSOR_PARAMETERS which cursor it takes`);
  return kind;
}

// ---------------------------------------------------------------------------------------------
// Cases, as the oracle judges them.

export type PathValue = { target: true } | { raw: string };

export interface BodySpec {
  /** The JSON value sent; at `splice`, `text` replaces it verbatim in the serialized body. */
  json?: unknown;
  splice?: { path: JsonPath; text: string; standIn: unknown };
  raw?: Buffer;
}

export interface CaseSpec {
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

export type Expectation =
  | { status: 400; pointers: string[] }
  | { status: 403 | 404 | 409 | 413 | 414 | 415 | 422 }
  | { status: 200 | 201 | 202 | 204 };

export interface JudgedCase {
  operation: ApiOperation;
  spec: CaseSpec;
  /** Cases that change state or depend on what earlier cases did run one by one, in order. */
  sequential: boolean;
  expected?: Expectation;
}

export function pointerOf(path: JsonPath): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function define(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment of `__proto__` would set the prototype instead of adding the key a client sends.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) define(copy, key, clone((value as Record<string, unknown>)[key]));
    return copy;
  }
  return value;
}

export function getAt(value: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment], value);
}

/** A copy of `value` with `change` applied to the parent of `path`. */
export function changeAt(
  value: unknown,
  path: JsonPath,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = clone(value);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  change(parent, path[path.length - 1]);
  return copy;
}

export function replaceAt(value: unknown, path: JsonPath, next: unknown): unknown {
  if (path.length === 0) return next;
  return changeAt(value, path, (parent, key) =>
    Array.isArray(parent) ? (parent[key as number] = next) : define(parent, String(key), next),
  );
}

/** The resources valid requests act on, and what the test knows about them. */
export interface HostileWorld {
  alert: { id: string; body: Record<string, unknown> };
  seizure: { id: string; body: Record<string, unknown> };
  pullSubscription: string;
  webhookSubscription: string;
  keyId: string;
  /** The code of an operation the member takes part in. */
  operation: string;
  /** `${type}:${reference}` → the canonical body first stored under it. */
  references: Map<string, string>;
  organizationCodes: Set<string>;
  /** Who submits the records (the member) and its country: it cannot exclude itself or its country. */
  originator: { code: string; country: string };
  /** Registered codes no record may exclude: the originator's and the Secretariats'. */
  unexcludable: Set<string>;
}

/** What the runner set up, and how it makes fresh resources for cases that use one up. */
export interface HostileSetup {
  member: TestOrganization;
  partner: TestOrganization;
  /** An organization of its own for the suspension routes: the member's key must keep working. */
  suspendable: TestOrganization;
  createRecord(type: 'alert' | 'seizure'): Promise<{ id: string; body: Record<string, unknown> }>;
  createSubscription(delivery: Record<string, unknown>): Promise<string>;
  issueKey(): Promise<string>;
  /** An operation the member coordinates, over HOSTILE_OPERATION_PERIOD (its code). */
  createOperation(): Promise<string>;
}

/** The period of the operations the runner creates (active now), as PATCH cases are judged against it. */
export const HOSTILE_OPERATION_PERIOD = { start: '2026-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' };

type Span = { start: string; end: string };

/**
 * Operations (issue 15): the cross-field rules no schema states, as the issue states them; the
 * pointers of the fields a 400 must name (empty when there is none).
 */
function operationFaults(
  period: Span,
  periodEndPointer: string,
  phases: readonly Span[] | undefined,
  participants: readonly unknown[] | undefined,
  participantsPointer: string,
  registered: ReadonlySet<string>,
): string[] {
  const [start, end] = [Date.parse(period.start), Date.parse(period.end)];
  if (!(end > start)) return [periodEndPointer];
  const faults: string[] = [];
  (phases ?? []).forEach((phase, index) => {
    const [from, to] = [Date.parse(phase.start), Date.parse(phase.end)];
    if (from < start || from >= end) faults.push(`/phases/${index}/start`);
    if (to <= from || to > end) faults.push(`/phases/${index}/end`);
  });
  const codes = (participants ?? []).map((code) => String(storedCode(code)));
  codes.forEach((code, index) => {
    if (codes.indexOf(code) !== index || !registered.has(code))
      faults.push(`${participantsPointer}/${index}/organization`);
  });
  return faults;
}

// -------------------------------------------------------------------------------------------
// What each operation does with a valid request: who calls it, which resource it acts on, what
// it answers. A new operation fails the test until it has its row here.

export interface OperationRule {
  /** The operator's token, or the key of the member or of the secretariat. */
  caller: 'member' | 'secretariat' | 'admin';
  /** Path values of the resource a valid request acts on (`fresh` for one of its own). */
  target?: (fresh: boolean) => Promise<Record<string, string>>;
  /** The answer to a valid request (with the fields a domain 400 names); may consult and update what the test knows. */
  success: (body: unknown) => Expectation['status'] | Expectation;
  /** Valid requests change the resource, or use it up: each gets a fresh one. */
  fresh?: boolean;
  /** A patch is judged on the record it makes: the base record with the patch applied. */
  patchOf?: 'alert' | 'seizure';
  verify?: (body: unknown, answer: unknown) => void;
}

export function operationRules(world: HostileWorld, setup: HostileSetup): Record<string, OperationRule> {
  const { member, partner, suspendable, createRecord, createSubscription, issueKey, createOperation } = setup;
  const operationCodes = new Set<string>();
  const operationTarget = async (fresh: boolean) => ({
    code: fresh ? await createOperation() : world.operation,
  });
  const submitted = (type: 'alert' | 'seizure') => (body: unknown) => {
    // The member takes part in no operation a generated code names: refused, nothing written.
    if ((body as { operation?: unknown }).operation !== undefined) return 403;
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
  const feedbackGiven = new Set<string>();
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

  const operatorNames = new Set<string>();
  const OPERATION_RULES: Record<string, OperationRule> = {
    listOrganizations: { caller: 'admin', success: () => 200 },
    createOrganization: {
      caller: 'admin',
      success: (body) => {
        const code = String(storedCode((body as { code: string }).code));
        if (world.organizationCodes.has(code)) return 409;
        world.organizationCodes.add(code);
        if ((body as { kind?: unknown }).kind === 'secretariat') world.unexcludable.add(code);
        return 201;
      },
      verify: (body, answer) => echoes(body, (answer as { organization: unknown }).organization),
    },
    listApiKeys: {
      caller: 'admin',
      target: () => Promise.resolve({ code: member.code }),
      success: () => 200,
    },
    // Both answer the organization whether or not it already was so (idempotent).
    suspendOrganization: {
      caller: 'admin',
      target: () => Promise.resolve({ code: suspendable.code }),
      success: () => 200,
    },
    reinstateOrganization: {
      caller: 'admin',
      target: () => Promise.resolve({ code: suspendable.code }),
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
    listOperators: { caller: 'admin', success: () => 200 },
    issueOperator: {
      caller: 'admin',
      // `bootstrap` is HUB_ADMIN_TOKEN's; a name holds one live token at a time.
      success: (body) => {
        const name = String((body as { name: string }).name);
        if (name === 'bootstrap') return 400;
        if (operatorNames.has(name)) return 409;
        operatorNames.add(name);
        return 201;
      },
    },
    // An id no operator holds: every check of the request, then 404 and nothing written.
    revokeOperator: {
      caller: 'admin',
      target: () => Promise.resolve({ id: randomUUID() }),
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
    // Feedback: once per (organization, type, seizure), then the same entry (200); the suite's member
    // holds no seizure notice, so any seizure it names is refused (400, nothing written).
    submitAlertFeedback: {
      caller: 'member',
      target: recordTarget('alert'),
      success: (body) => {
        const { type, seizure } = body as { type: string; seizure?: unknown };
        // No seizure notice the member may read has a generated id: the service names the field.
        if (seizure !== undefined) return { status: 400, pointers: ['/seizure'] };
        if (feedbackGiven.has(type)) return 200;
        feedbackGiven.add(type);
        return 201;
      },
    },
    listAlertFeedback: { caller: 'member', target: recordTarget('alert'), success: () => 200 },
    readInbox: { caller: 'member', success: () => 200 },
    listEscalations: { caller: 'member', success: () => 200 },
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
    createOperation: {
      caller: 'secretariat',
      success: (body) => {
        const operation = body as {
          code: string;
          period: Span;
          phases: Span[];
          participants: { organization: unknown }[];
        };
        const participants = operation.participants.map((participant) => participant.organization);
        const faults = operationFaults(
          operation.period,
          '/period/end',
          operation.phases,
          participants,
          '/participants',
          world.organizationCodes,
        );
        if (faults.length > 0) return { status: 400, pointers: faults };
        if (operationCodes.has(operation.code)) return 409;
        operationCodes.add(operation.code);
        return 201;
      },
    },
    listOperations: { caller: 'member', success: () => 200 },
    getOperation: { caller: 'member', target: operationTarget, success: () => 200 },
    getOperationReport: { caller: 'member', target: operationTarget, success: () => 200 },
    updateOperation: {
      caller: 'secretariat',
      target: operationTarget,
      fresh: true,
      success: (body) => {
        const update = body as {
          periodEnd?: string;
          phases?: Span[];
          addParticipants?: { organization: unknown }[];
          removeParticipants?: unknown[];
        };
        // Codes are compared as stored (lowercased): "ABC" and "abc" are one organization twice,
        // refused with the other field rules, before the period is looked at.
        const removing = (update.removeParticipants ?? []).map((code) => String(storedCode(code)));
        if (new Set(removing).size !== removing.length)
          return { status: 400, pointers: ['/removeParticipants'] };
        const period = {
          start: HOSTILE_OPERATION_PERIOD.start,
          end: update.periodEnd ?? HOSTILE_OPERATION_PERIOD.end,
        };
        if (Date.parse(period.end) < Date.parse(HOSTILE_OPERATION_PERIOD.end))
          return { status: 400, pointers: ['/periodEnd'] };
        const added = (update.addParticipants ?? []).map((participant) => participant.organization);
        const faults = operationFaults(
          period,
          '/periodEnd',
          update.phases,
          added,
          '/addParticipants',
          world.organizationCodes,
        );
        const removed = new Set((update.removeParticipants ?? []).map((code) => String(storedCode(code))));
        added.forEach((code, index) => {
          if (removed.has(String(storedCode(code)))) faults.push(`/addParticipants/${index}/organization`);
        });
        return faults.length > 0 ? { status: 400, pointers: faults } : 200;
      },
    },
    closeOperation: { caller: 'secretariat', target: operationTarget, fresh: true, success: () => 200 },
    listAuditEntries: { caller: 'secretariat', success: () => 200 },
    verifyAuditChain: { caller: 'secretariat', success: () => 200 },
    // No delivery exists in this test: a well-formed delivery id is an unknown one.
    retrySubscriptionDelivery: { caller: 'member', target: unknownDelivery, success: () => 404 },
  };
  return OPERATION_RULES;
}

export interface HostileOracle {
  bodyFaults(operation: ApiOperation, body: unknown): string[];
  /** Registered codes a record may name as recipient or exclusion. */
  nameableCodes(): string[];
  judge(
    operation: ApiOperation,
    spec: CaseSpec,
    bytes: Buffer | undefined,
  ): Omit<JudgedCase, 'spec' | 'operation'>;
}

/** The judge of cases, over the served document's schemas and what the test knows of its world. */
export function hostileOracle(
  schemas: SchemaValidators,
  world: HostileWorld,
  OPERATION_RULES: Record<string, OperationRule>,
): HostileOracle {
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
    if (
      operation.bodySchemaName === 'AlertFeedbackSubmission' &&
      typeof value.observedAt === 'string' &&
      Date.parse(value.observedAt) > Date.now() + FUTURE_TOLERANCE_MS
    )
      faults.push('/observedAt');
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
    faults.push(...audienceFaults(value));
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
    // A new key's expiry lies ahead, two years (730 days) at most.
    if (
      operation.bodySchemaName === 'IssueApiKeyDto' &&
      typeof value.expiresAt === 'string' &&
      !(
        Date.parse(value.expiresAt) > Date.now() &&
        Date.parse(value.expiresAt) <= Date.now() + 730 * 86_400_000
      )
    )
      faults.push('/expiresAt');
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
      // An optional body left out, sent empty or as JSON null, is no body: the defaults apply.
      const absent = operation.bodyOptional && (parsed.value === undefined || parsed.value === null);
      const faults = absent ? [] : bodyFaults(operation, parsed.value);
      if (faults.length > 0) {
        const near = spec.mutated && spec.mutated.length > 0 ? [pointerOf(spec.mutated)] : [];
        return refuse({ status: 400, pointers: [...new Set([...near, ...faults])] });
      }
    }
    if (Object.values(spec.path).some((value) => !('target' in value))) return refuse({ status: 404 });
    // Valid: what it answers may depend on earlier cases (duplicates), so it is decided when sent.
    return { sequential: writes };
  }

  /**
   * L-1 and the exclusions: recipients and excluded organizations are registered codes; no record
   * excludes its originator (by code or country), one of its recipients, or a Secretariat.
   */
  function audienceFaults(value: Record<string, unknown>): string[] {
    const faults: string[] = [];
    const list = (key: string): unknown[] => (Array.isArray(value[key]) ? (value[key] as unknown[]) : []);
    const recipients = list('recipients').map(storedCode);
    recipients.forEach((code, index) => {
      if (!world.organizationCodes.has(String(code))) faults.push(`/recipients/${index}`);
    });
    list('excludeOrganizations')
      .map(storedCode)
      .forEach((code, index) => {
        if (
          !world.organizationCodes.has(String(code)) ||
          world.unexcludable.has(String(code)) ||
          recipients.includes(code)
        )
          faults.push(`/excludeOrganizations/${index}`);
      });
    list('excludeCountries').forEach((country, index) => {
      if (country === world.originator.country) faults.push(`/excludeCountries/${index}`);
    });
    return faults;
  }

  const nameableCodes = (): string[] =>
    [...world.organizationCodes].filter((code) => !world.unexcludable.has(code));

  return { bodyFaults, nameableCodes, judge };
}

/** The body the hub will see, as a value: undefined for none, or the failure to read it. */
export function parsedBody(
  spec: CaseSpec,
  bytes: Buffer | undefined,
): { value: unknown } | { fault: string } {
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

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** Checks one answer against its expectation; returns what is wrong, or null. */
export function verdict(expected: Expectation, answer: Answer): string | null {
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

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
