import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { kafkajsSecurity } from '@hub/messaging';
import {
  createHttpService,
  createRootLogger,
  HubServiceConfig,
  type KafkaSecurity,
  kafkaSecurity,
  listen,
  loadConfig,
  operatorUrl,
} from '@hub/platform';
import { localKafkaBroker } from '../../apps/launcher/src/kafka-broker';
import { GatewayConfig } from '../../apps/gateway/src/gateway.config';
import { gatewayHttpOptions } from '../../apps/gateway/src/gateway.http';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { NotifierModule } from '../../apps/notifier/src/notifier.module';
import { RelayModule } from '../../apps/relay/src/relay.module';
import { EventRouter } from '../../apps/router/src/event-router.service';
import { RouterModule } from '../../apps/router/src/router.module';

export const ADMIN_TOKEN = process.env.HUB_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
export const SECRET_KEY = process.env.HUB_SECRET_KEY ?? randomBytes(32).toString('base64');
/** The relay's and the router's key for the hub-provenance header (global-setup makes one per run). */
export const EVENT_SIGNING_KEY = process.env.HUB_EVENT_SIGNING_KEY ?? randomBytes(32).toString('base64');
/** Opens /metrics and the detailed /health on the gateway's public listener (METRICS_TOKEN). */
export const METRICS_TOKEN = randomBytes(24).toString('base64url');
const ROUTER_GROUP_ID = `hub-router-test-${randomUUID().slice(0, 8)}`;

function configureEnvironment(): void {
  process.env.HUB_ADMIN_TOKEN = ADMIN_TOKEN;
  process.env.HUB_SECRET_KEY = SECRET_KEY;
  process.env.HUB_EVENT_SIGNING_KEY = EVENT_SIGNING_KEY;
  process.env.METRICS_TOKEN = METRICS_TOKEN;
  // Test receivers listen on loopback, over http, on ephemeral ports: the production default (https on
  // 443 and 8443 only) is tested on its own (webhooks.e2e-spec.ts).
  process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = 'true';
  process.env.WEBHOOK_ALLOW_INSECURE_HTTP = 'true';
  process.env.WEBHOOK_ALLOWED_PORTS = '1-65535';
  // Routers of one test file form their own group and route only what the file publishes.
  process.env.ROUTER_GROUP_ID = ROUTER_GROUP_ID;
  process.env.ROUTER_START_FROM = 'latest';
  process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
  // Suites send many requests from one organization and address: budgets far above what they use.
  // Tests of the limits pass their own low values to startGateway.
  process.env.RATE_LIMIT_PER_MINUTE = '1000000';
  process.env.RATE_LIMIT_WRITES_PER_MINUTE = '1000000';
  process.env.RATE_LIMIT_ADMIN_PER_MINUTE = '1000000';
  process.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE = '1000000';
}

let logDestination: Writable | undefined;

/**
 * Sends the JSON log lines of every service started from now on to `lines` (instead of
 * stdout), until `stop`: the secrets test reads everything the services wrote.
 */
export function captureServiceLogs(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  let partial = '';
  logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.length > 0));
      done();
    },
  });
  return {
    lines,
    stop: () => {
      if (partial) lines.push(partial);
      logDestination = undefined;
    },
  };
}

function serviceLogger(service: string): ReturnType<typeof createRootLogger> {
  return createRootLogger(
    service,
    (process.env.LOG_LEVEL as 'silent') ?? 'silent',
    undefined,
    logDestination,
  );
}

export interface RunningService {
  url: string;
  /** The operator listener (ADMIN_PORT), when the service has one. */
  adminUrl?: string;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

async function listenOnLoopback(app: NestFastifyApplication): Promise<RunningService> {
  const url = await listen(app, 0, '127.0.0.1');
  const adminUrl = operatorUrl(app);
  return { url, ...(adminUrl ? { adminUrl } : {}), app, close: () => app.close() };
}

/**
 * Sets `env` (undefined: unset, to get a variable's default) for what runs in `work`, then puts the
 * environment back, so one gateway's settings do not leak into the next service a file starts.
 */
async function withEnvironment<T>(
  env: Record<string, string | undefined>,
  work: () => Promise<T>,
): Promise<T> {
  const before = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  };
  apply(env);
  try {
    return await work();
  } finally {
    apply(before);
  }
}

/** The gateway as `main.ts` builds it, on an ephemeral loopback port. */
export async function startGateway(
  bodyLimitBytes = 1024 * 1024,
  env: Record<string, string | undefined> = {},
): Promise<RunningService> {
  configureEnvironment();
  return withEnvironment(env, () => startConfiguredGateway(bodyLimitBytes));
}

async function startConfiguredGateway(bodyLimitBytes: number): Promise<RunningService> {
  const logger = serviceLogger('gateway');
  const app = await createHttpService(GatewayModule, {
    ...gatewayHttpOptions(loadConfig(GatewayConfig)),
    logger,
    bodyLimitBytes,
  });
  return listenOnLoopback(app);
}

/** The relay as `main.ts` builds it; its outbox loop starts at bootstrap. */
export async function startRelay(env: Record<string, string> = {}): Promise<RunningService> {
  configureEnvironment();
  Object.assign(process.env, { RELAY_POLL_INTERVAL_MS: '200', ...env });
  const logger = serviceLogger('relay');
  const app = await createHttpService(RelayModule, { logger });
  return listenOnLoopback(app);
}

/** A router instance (one member of the router consumer group). */
export async function startRouter(env: Record<string, string> = {}): Promise<RunningService> {
  configureEnvironment();
  Object.assign(process.env, env);
  const logger = serviceLogger('router');
  const app = await createHttpService(RouterModule, { logger });
  const running = await listenOnLoopback(app);
  await app.get(EventRouter).ready;
  return running;
}

/** The webhook notifier, with a short retry schedule and timeout for tests. */
export async function startNotifier(env: Record<string, string> = {}): Promise<RunningService> {
  configureEnvironment();
  Object.assign(process.env, {
    WEBHOOK_RETRY_SCHEDULE_MS: '0,200,400,800',
    WEBHOOK_TIMEOUT_MS: '2000',
    NOTIFIER_POLL_INTERVAL_MS: '100',
    ...env,
  });
  const logger = serviceLogger('notifier');
  const app = await createHttpService(NotifierModule, { logger });
  return listenOnLoopback(app);
}

export interface TestOrganization {
  code: string;
  kind: 'member' | 'rilo' | 'partner' | 'secretariat';
  apiKey: string;
  id: string;
}

/** Registers an organization through the admin API; codes are unique per call so files never collide. */
export async function registerOrganization(
  gatewayUrl: string,
  organization: { kind: TestOrganization['kind']; country?: string; region?: string; code?: string },
): Promise<TestOrganization> {
  const code = organization.code ?? `${organization.kind}-${randomUUID().slice(0, 8)}`;
  const response = await fetch(`${gatewayUrl}/v1/admin/organizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code, name: `Test ${code}`, ...organization }),
  });
  if (response.status !== 201)
    throw new Error(`register ${code}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { organization: { id: string }; apiKey: { secret: string } };
  return { code, kind: organization.kind, apiKey: body.apiKey.secret, id: body.organization.id };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A JSON call with an organization's key (or none). */
export async function api<T = Record<string, unknown>>(
  gatewayUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${gatewayUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text for the assertion message.
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

/** A connection as the services make it: the service login, which owns nothing. */
export async function withDatabase<T>(
  work: (client: Client) => Promise<T>,
  url = process.env.DATABASE_URL,
): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A connection as the schema's owner (the migrations' role), for what only the owner may do. */
export function withOwnerDatabase<T>(work: (client: Client) => Promise<T>): Promise<T> {
  return withDatabase(work, process.env.DATABASE_OWNER_URL);
}

export async function countRows(table: string): Promise<number> {
  return withDatabase(async (client) =>
    Number((await client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n),
  );
}

/**
 * Tables that log requests rather than hold state: the audit trail records reads and refused
 * attempts too (its own tests check it is complete), so what a refusal adds there is not a write;
 * its hash chain grows with it.
 */
export const REQUEST_LOG_TABLES: ReadonlySet<string> = new Set([
  'hub_migrations',
  'audit_events',
  'audit_chain',
]);

/**
 * Columns that log requests rather than hold state: a key's last use is stamped by reads and
 * refused attempts too (at most once a minute).
 */
export const REQUEST_LOG_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  api_keys: ['last_used_at'],
};

/** Row count and a digest of the contents of every hub table: equal fingerprints, same state. */
export type HubStateFingerprint = Record<string, { rows: number; digest: string }>;

export async function hubStateFingerprint(client?: Client): Promise<HubStateFingerprint> {
  const read = async (db: Client): Promise<HubStateFingerprint> => {
    const tables = (
      await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
      )
    ).rows
      .map((row) => row.table_name)
      .filter((table) => !REQUEST_LOG_TABLES.has(table));
    const { rows } = await db.query<{ name: string; rows: number; digest: string }>(
      tables
        .map((table) => {
          const logged = REQUEST_LOG_COLUMNS[table];
          const row = logged ? `(to_jsonb(t) - '{${logged.join(',')}}'::text[])::text` : 't::text';
          return `SELECT '${table}' AS name, count(*)::int AS rows,
                    coalesce(md5(string_agg(md5(${row}), '' ORDER BY md5(${row}))), '') AS digest
               FROM "${table}" t`;
        })
        .join(' UNION ALL '),
    );
    return Object.fromEntries(rows.map((row) => [row.name, { rows: row.rows, digest: row.digest }]));
  };
  return client ? read(client) : withDatabase(read);
}

/** The tables whose row count or contents differ between two fingerprints. */
export function changedTables(before: HubStateFingerprint, after: HubStateFingerprint): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (table) => JSON.stringify(before[table]) !== JSON.stringify(after[table]),
  );
}

/**
 * How the tests' own observers connect: as the development broker's bootstrap admin, or with the
 * KAFKA_SASL_* / KAFKA_SSL* settings given for KAFKA_BROKERS' cluster.
 */
export function testKafkaSecurity(): KafkaSecurity {
  return localKafkaBroker()?.adminSecurity ?? kafkaSecurity(loadConfig(HubServiceConfig));
}

export function testKafka(security: KafkaSecurity = testKafkaSecurity()): Kafka {
  return new Kafka({
    clientId: `test-${randomUUID().slice(0, 8)}`,
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    ...kafkajsSecurity(security),
    logLevel: logLevel.NOTHING,
  });
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * Who reads a topic: by default the admin principal on the internal listener; a stream consumer
 * (e.g. a RILO credential on the external listener) brings its own client and group prefix.
 */
export interface TopicReader {
  kafka: Kafka;
  groupPrefix: string;
}

const adminReader = (): TopicReader => ({ kafka: testKafka(), groupPrefix: 'test-' });

/**
 * Reads a topic from the beginning with a fresh consumer group, collecting
 * messages until `done` says enough or the timeout passes.
 */
export async function readTopic(
  topic: string,
  done: (messages: ConsumedMessage[]) => boolean,
  timeoutMs = 30_000,
  reader: TopicReader = adminReader(),
): Promise<ConsumedMessage[]> {
  const consumer = reader.kafka.consumer({ groupId: `${reader.groupPrefix}${randomUUID()}` });
  const messages: ConsumedMessage[] = [];
  try {
    // Connected inside the try: a consumer whose connect failed half-way is disconnected too.
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer
        .run({
          eachMessage: ({ topic: from, partition, message }) => {
            messages.push({
              topic: from,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value?.toString() ?? '',
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value ?? '')]),
              ),
            });
            if (done(messages)) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Reads a whole topic as it is now: every message up to each partition's current end. */
export async function readTopicToEnd(
  topic: string,
  timeoutMs = 60_000,
  reader: TopicReader = adminReader(),
): Promise<ConsumedMessage[]> {
  // The end offsets need only Describe on the topic, which a stream consumer's Read implies.
  const admin = reader.kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((partition) => [
        partition.partition,
        BigInt(partition.high),
      ]),
    );
  } finally {
    await admin.disconnect();
  }
  const total = [...ends.values()].reduce((sum, high) => sum + high, 0n);
  if (total === 0n) return [];
  // Followed message by message, so a long topic is not rescanned for each new message.
  const highest = new Map<number, bigint>();
  let scanned = 0;
  const reached = (messages: ConsumedMessage[]): boolean => {
    for (; scanned < messages.length; scanned += 1) {
      const { partition, offset } = messages[scanned];
      if (BigInt(offset) > (highest.get(partition) ?? -1n)) highest.set(partition, BigInt(offset));
    }
    return [...ends].every(
      ([partition, high]) => high === 0n || (highest.get(partition) ?? -1n) >= high - 1n,
    );
  };
  const messages = await readTopic(topic, reached, timeoutMs, reader);
  if (!reached(messages)) throw new Error(`${topic}: did not reach the end offsets within ${timeoutMs} ms`);
  return messages;
}

/** Retries an assertion until it passes or time runs out (no fixed sleeps in tests). */
export async function expectEventually(
  assertion: () => Promise<void> | void,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
