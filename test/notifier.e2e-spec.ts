import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import {
  DELIVERY_CHANNEL,
  dataSourceOptions,
  DeliveryClaims,
  DeliveryLog,
  DeliveryOutcomes,
} from '@hub/persistence';
import { createHttpService, createRootLogger } from '@hub/platform';
import { DEAD_LETTER_TOPICS, DELIVERY_DEAD_LETTER_HEADERS } from '@hub/contracts';
import { CLOUDEVENTS_JSON, generateWebhookSecret, SecretBox } from '@hub/webhooks';
import { NotifierModule } from '../apps/notifier/src/notifier.module';
import { expectEventually, readTopic, withDatabase } from './support/hub-harness';
import { WebhookReceiver } from './support/webhook-receiver';

const SECRET_KEY = process.env.HUB_SECRET_KEY ?? randomBytes(32).toString('base64');
const box = new SecretBox(SECRET_KEY);
const SCHEDULE = [0, 200, 400, 800];
const TIMEOUT_MS = 1500;
const PAUSE_AFTER = 2;

interface RunningNotifier {
  app: NestFastifyApplication;
  url: string;
  claims: DeliveryClaims;
  log: DeliveryLog;
  close(): Promise<void>;
}

/** The notifier as `main.ts` builds it, on an ephemeral loopback port. */
async function startNotifier(env: Record<string, string>): Promise<RunningNotifier> {
  Object.assign(process.env, {
    HUB_SECRET_KEY: SECRET_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WEBHOOK_RETRY_SCHEDULE_MS: SCHEDULE.join(','),
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_PAUSE_AFTER_FAILURES: String(PAUSE_AFTER),
    NOTIFIER_POLL_INTERVAL_MS: '100',
    // The receivers listen on loopback, over http, on ephemeral ports.
    WEBHOOK_ALLOW_INSECURE_HTTP: 'true',
    WEBHOOK_ALLOWED_PORTS: '1-65535',
    ...env,
  });
  const logger = createRootLogger('notifier', (process.env.LOG_LEVEL as 'silent') ?? 'silent');
  const app = await createHttpService(NotifierModule, { logger });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    claims: app.get(DeliveryClaims),
    log: app.get(DeliveryLog),
    close: () => app.close(),
  };
}

interface SeededEvent {
  id: string;
  recordId: string;
  event: Record<string, unknown>;
}

let organizationId: string;

async function seedOrganization(): Promise<void> {
  const code = `iaea-${randomUUID().slice(0, 8)}`;
  organizationId = await withDatabase(async (client) => {
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO organizations (code, name, kind) VALUES ($1, 'International Atomic Energy Agency', 'partner') RETURNING id",
      [code],
    );
    return rows[0].id;
  });
}

/** A webhook subscription as the gateway creates it: the secret sealed with HUB_SECRET_KEY. */
async function seedSubscription(url: string, secret: string): Promise<string> {
  const id = randomUUID();
  await withDatabase((client) =>
    client.query(
      `INSERT INTO subscriptions (id, organization_id, organization_code, name, filter, delivery_type, webhook_url, secret_ciphertext)
       SELECT $1, id, code, 'Nuclear alerts', '{"categories":["nuclear"]}'::jsonb, 'webhook', $2, $3
         FROM organizations WHERE id = $4`,
      [id, url, box.seal(secret, id), organizationId],
    ),
  );
  return id;
}

function cloudEvent(sequence: number): SeededEvent {
  const id = randomUUID();
  const recordId = randomUUID();
  return {
    id,
    recordId,
    event: {
      specversion: '1.0',
      id,
      source: '/organizations/fr-douane',
      type: 'alert.published',
      subject: recordId,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      regions: 'asia-pacific,europe,mena',
      countries: 'AE,CN,DE',
      hscodes: '840120',
      categories: 'nuclear',
      handling: 'community',
      originator: 'fr-douane',
      recordversion: 1,
      data: {
        id: recordId,
        type: 'alert',
        title: `Isotope separation parts, consignment ${sequence}`,
        sequence,
      },
    },
  };
}

/** Feed entries and pending deliveries as the router writes them (one transaction, then NOTIFY). */
async function seedDeliveries(subscriptionId: string, count: number): Promise<SeededEvent[]> {
  const events = Array.from({ length: count }, (_, index) => cloudEvent(index + 1));
  await withDatabase(async (client) => {
    await client.query('BEGIN');
    for (const seeded of events) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event)
         VALUES ($1, $2, $3, 'alert.published', $4) RETURNING id`,
        [subscriptionId, seeded.id, seeded.recordId, JSON.stringify(seeded.event)],
      );
      await client.query(
        'INSERT INTO webhook_deliveries (subscription_id, feed_entry_id, event_id) VALUES ($1, $2, $3)',
        [subscriptionId, rows[0].id, seeded.id],
      );
    }
    await client.query('SELECT pg_notify($1, $2)', [DELIVERY_CHANNEL, '']);
    await client.query('COMMIT');
  });
  return events;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
}

async function deliveries(subscriptionId: string): Promise<DeliveryRow[]> {
  return withDatabase(async (client) => {
    const { rows } = await client.query<DeliveryRow>(
      `SELECT id, event_id, status, attempts, last_status_code, last_error
         FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY feed_entry_id`,
      [subscriptionId],
    );
    return rows;
  });
}

interface AttemptRow {
  event_id: string;
  attempt: number;
  outcome: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

async function attempts(subscriptionId: string): Promise<AttemptRow[]> {
  return withDatabase(async (client) => {
    const { rows } = await client.query<AttemptRow>(
      `SELECT w.event_id, a.attempt, a.outcome, a.status_code, a.latency_ms, a.error
         FROM delivery_attempts a JOIN webhook_deliveries w ON w.id = a.delivery_id
        WHERE w.subscription_id = $1 ORDER BY w.feed_entry_id, a.attempt`,
      [subscriptionId],
    );
    return rows;
  });
}

async function subscription(
  id: string,
): Promise<{ status: string; paused_reason: string | null; consecutive_failures: number; revision: string }> {
  return withDatabase(async (client) => {
    const { rows } = await client.query<{
      status: string;
      paused_reason: string | null;
      consecutive_failures: number;
      revision: string;
    }>(
      'SELECT status, paused_reason, consecutive_failures, revision::text AS revision FROM subscriptions WHERE id = $1',
      [id],
    );
    return rows[0];
  });
}

async function setSubscriptionStatus(id: string, status: 'active' | 'deleted'): Promise<void> {
  await withDatabase((client) =>
    client.query(
      `UPDATE subscriptions SET status = $2, paused_reason = NULL, consecutive_failures = 0,
              revision = nextval('subscription_revision_seq'), updated_at = now() WHERE id = $1`,
      [id, status],
    ),
  );
  await withDatabase((client) => client.query('SELECT pg_notify($1, $2)', [DELIVERY_CHANNEL, '']));
}

const receivers: WebhookReceiver[] = [];
async function receiver(secret: string): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(secret);
  receivers.push(started);
  return started;
}

const savedEnv = { ...process.env };

beforeAll(async () => {
  await seedOrganization();
});

afterAll(async () => {
  await Promise.all(receivers.map((started) => started.close()));
  process.env = savedEnv;
});

describe('DeliveryClaims between two notifiers', () => {
  let dataSource: DataSource;
  let claims: DeliveryClaims;
  let outcomes: DeliveryOutcomes;
  const subscriptions: string[] = [];

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions({ url: process.env.DATABASE_URL!, poolSize: 4 }));
    await dataSource.initialize();
    claims = new DeliveryClaims(dataSource);
    outcomes = new DeliveryOutcomes(dataSource);
  });

  afterAll(async () => {
    for (const id of subscriptions) await setSubscriptionStatus(id, 'deleted');
    await dataSource?.destroy();
  });

  it('leases each subscription’s oldest pending delivery once, and the next only after it completes', async () => {
    const seeded = new Map<string, SeededEvent[]>();
    for (let index = 0; index < 4; index += 1) {
      const id = await seedSubscription('http://127.0.0.1:9/unused', generateWebhookSecret());
      subscriptions.push(id);
      seeded.set(id, await seedDeliveries(id, 3));
    }
    const [first, second] = await Promise.all([claims.claimDue(50, 60_000), claims.claimDue(50, 60_000)]);
    const mine = [...first, ...second].filter((claim) => seeded.has(claim.subscriptionId));
    // One claimer or the other got each subscription's head; nobody got a second delivery of one.
    expect(mine.map((claim) => claim.eventId).sort()).toEqual(
      [...seeded.values()].map((events) => events[0].id).sort(),
    );
    expect((await claims.claimDue(50, 60_000)).filter((claim) => seeded.has(claim.subscriptionId))).toEqual(
      [],
    );

    const head = mine[0];
    expect(head).toMatchObject({ attempts: 0, webhookUrl: 'http://127.0.0.1:9/unused' });
    expect(box.open(head.secretCiphertext, head.subscriptionId)).toMatch(/^whsec_/);
    expect(head.event).toEqual(seeded.get(head.subscriptionId)![0].event);

    const startedAt = new Date();
    const result = { startedAt, latencyMs: 5, statusCode: 204, outcome: 'delivered' as const, error: null };
    expect(await outcomes.markDelivered(head, result)).toBe(true);
    // A stale lease (another claim's) writes nothing.
    expect(await outcomes.markDelivered({ ...head, leaseUntil: new Date(0) }, result)).toBe(false);
    const next = (await claims.claimDue(50, 60_000)).filter((claim) => seeded.has(claim.subscriptionId));
    expect(next.map((claim) => claim.eventId)).toEqual([seeded.get(head.subscriptionId)![1].id]);
  });
});

describe('notifier: signed webhook deliveries', () => {
  let notifier: RunningNotifier;

  beforeAll(async () => {
    notifier = await startNotifier({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  });

  afterAll(async () => {
    await notifier?.close();
  });

  it('POSTs each CloudEvent signed, in order, and records the attempts', async () => {
    const secret = generateWebhookSecret();
    const endpoint = await receiver(secret);
    const subscriptionId = await seedSubscription(endpoint.url, secret);
    const events = await seedDeliveries(subscriptionId, 6);

    await expectEventually(async () => {
      expect((await deliveries(subscriptionId)).map((row) => row.status)).toEqual(Array(6).fill('delivered'));
    });

    expect(endpoint.webhookIds()).toEqual(events.map((seeded) => seeded.id));
    for (const [index, request] of endpoint.requests.entries()) {
      expect(request).toMatchObject({
        method: 'POST',
        path: '/hooks/cosmo-hub',
        verified: true,
        status: 204,
      });
      expect(request.headers['content-type']).toBe(CLOUDEVENTS_JSON);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(JSON.parse(request.body)).toEqual(events[index].event);
      // One at a time per subscription: each request came after the previous one was answered.
      if (index > 0)
        expect(request.receivedAt).toBeGreaterThanOrEqual(endpoint.requests[index - 1].respondedAt!);
    }
    // The reference implementation agrees.
    const [firstRequest] = endpoint.requests;
    expect(
      new Webhook(secret).verify(firstRequest.body, firstRequest.headers as Record<string, string>),
    ).toEqual(events[0].event);

    const recorded = await attempts(subscriptionId);
    expect(recorded).toHaveLength(6);
    for (const row of recorded) {
      expect(row).toMatchObject({ attempt: 1, outcome: 'delivered', status_code: 204, error: null });
      expect(row.latency_ms).toBeGreaterThanOrEqual(0);
      expect(row.latency_ms).toBeLessThan(TIMEOUT_MS);
    }

    const health = await fetch(`${notifier.url}/health`);
    const report = (await health.json()) as { checks: Record<string, { up: boolean; detail: string }> };
    expect(report.checks.deliveries).toMatchObject({ up: true });
    expect(report.checks.deliveries.detail).toMatch(/pending .* in flight, listening/);
    const metrics = await (await fetch(`${notifier.url}/metrics`)).text();
    expect(metrics).toMatch(/hub_notifier_attempts_total\{outcome="delivered",service="notifier"\} [1-9]/);
    expect(metrics).toContain('hub_notifier_attempt_duration_seconds_bucket');
  });

  it('retries a failing receiver with the same webhook-id, and delivers everything in order once it recovers', async () => {
    const secret = generateWebhookSecret();
    const endpoint = (await receiver(secret)).failNext(3, 503);
    const subscriptionId = await seedSubscription(endpoint.url, secret);
    const events = await seedDeliveries(subscriptionId, 4);

    await expectEventually(async () => {
      expect((await deliveries(subscriptionId)).map((row) => row.status)).toEqual(Array(4).fill('delivered'));
    });

    const ids = events.map((seeded) => seeded.id);
    expect(endpoint.webhookIds()).toEqual([ids[0], ids[0], ids[0], ids[0], ids[1], ids[2], ids[3]]);
    expect(endpoint.requests.every((request) => request.verified)).toBe(true);
    expect(endpoint.requests.map((request) => request.status)).toEqual([503, 503, 503, 204, 204, 204, 204]);
    const recorded = await attempts(subscriptionId);
    expect(recorded.slice(0, 4).map((row) => [row.attempt, row.outcome, row.status_code])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'failed', 503],
      [4, 'delivered', 204],
    ]);
    expect(recorded[0].error).toBe('endpoint answered 503 Service Unavailable');
    // The retries waited for the schedule (200, 400 ms ±20 %) before going again.
    const gaps = endpoint.requests
      .slice(1, 4)
      .map((request, index) => request.receivedAt - endpoint.requests[index].receivedAt);
    expect(gaps[0]).toBeGreaterThanOrEqual(SCHEDULE[1] * 0.8 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(SCHEDULE[2] * 0.8 - 5);
    expect(await subscription(subscriptionId)).toMatchObject({ status: 'active', consecutive_failures: 0 });
  });

  it('gets everything to a receiver that was down for a while, in order', async () => {
    const secret = generateWebhookSecret();
    const endpoint = (await receiver(secret)).failFor(700, 502);
    const subscriptionId = await seedSubscription(endpoint.url, secret);
    const events = await seedDeliveries(subscriptionId, 5);

    await expectEventually(async () => {
      expect((await deliveries(subscriptionId)).map((row) => row.status)).toEqual(Array(5).fill('delivered'));
    });
    const delivered = endpoint.requests.filter((request) => request.status === 204);
    expect(delivered.map((request) => String(request.headers['webhook-id']))).toEqual(
      events.map((seeded) => seeded.id),
    );
    expect(endpoint.requests.some((request) => request.status === 502)).toBe(true);
  });

  it('times out a hanging receiver and retries it', async () => {
    const secret = generateWebhookSecret();
    const endpoint = (await receiver(secret)).hangNext(1);
    const subscriptionId = await seedSubscription(endpoint.url, secret);
    const [seeded] = await seedDeliveries(subscriptionId, 1);

    await expectEventually(async () => {
      expect((await deliveries(subscriptionId))[0].status).toBe('delivered');
    });
    expect(endpoint.webhookIds()).toEqual([seeded.id, seeded.id]);
    const [timedOut, delivered] = await attempts(subscriptionId);
    expect(timedOut).toMatchObject({ attempt: 1, outcome: 'timeout', status_code: null });
    expect(timedOut.error).toBe(`no complete answer within ${TIMEOUT_MS} ms`);
    expect(timedOut.latency_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    expect(delivered).toMatchObject({ attempt: 2, outcome: 'delivered', status_code: 204 });
  });

  it('does not let a slow subscriber hold up another', async () => {
    const slowSecret = generateWebhookSecret();
    const fastSecret = generateWebhookSecret();
    const slow = (await receiver(slowSecret)).slow(1000);
    const fast = await receiver(fastSecret);
    const slowSubscription = await seedSubscription(slow.url, slowSecret);
    const fastSubscription = await seedSubscription(fast.url, fastSecret);
    await seedDeliveries(slowSubscription, 2);
    await seedDeliveries(fastSubscription, 10);

    await expectEventually(async () => {
      expect((await deliveries(fastSubscription)).every((row) => row.status === 'delivered')).toBe(true);
    });
    await expectEventually(async () => {
      expect((await deliveries(slowSubscription)).every((row) => row.status === 'delivered')).toBe(true);
    });
    const lastFast = fast.requests[fast.requests.length - 1];
    const [firstSlow] = slow.requests;
    expect(fast.requests).toHaveLength(10);
    // All ten fast deliveries were answered while the slow one's first request was still in flight.
    expect(firstSlow.receivedAt).toBeLessThan(lastFast.receivedAt);
    expect(lastFast.respondedAt!).toBeLessThan(firstSlow.respondedAt!);
    expect(slow.requests).toHaveLength(2);
  });

  let deadLetterSubscription: string;
  let deadLetterEndpoint: WebhookReceiver;
  let deadLetterEvents: SeededEvent[];

  it('dead-letters a delivery after its last attempt, and pauses the subscription after enough of them', async () => {
    const secret = generateWebhookSecret();
    deadLetterEndpoint = (await receiver(secret)).failFor(Infinity, 500);
    deadLetterSubscription = await seedSubscription(deadLetterEndpoint.url, secret);
    deadLetterEvents = await seedDeliveries(deadLetterSubscription, 3);

    await expectEventually(async () => {
      expect((await subscription(deadLetterSubscription)).status).toBe('paused');
    }, 30_000);
    const state = await subscription(deadLetterSubscription);
    expect(state).toMatchObject({
      consecutive_failures: PAUSE_AFTER,
      paused_reason:
        '2 deliveries in a row went to the dead-letter topic; last error: endpoint answered 500 Internal Server Error',
    });
    const rows = await deliveries(deadLetterSubscription);
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['failed', SCHEDULE.length],
      ['failed', SCHEDULE.length],
      ['pending', 0],
    ]);
    expect(rows[0]).toMatchObject({
      last_status_code: 500,
      last_error: 'endpoint answered 500 Internal Server Error',
    });
    const ids = deadLetterEvents.map((seeded) => seeded.id);
    expect(deadLetterEndpoint.webhookIds()).toEqual([...Array(4).fill(ids[0]), ...Array(4).fill(ids[1])]);

    const messages = await readTopic(
      DEAD_LETTER_TOPICS.deliveries,
      (seen) => seen.filter((message) => message.key === deadLetterSubscription).length >= 2,
    );
    const dead = messages.filter((message) => message.key === deadLetterSubscription);
    expect(dead.map((message) => JSON.parse(message.value) as unknown)).toEqual([
      deadLetterEvents[0].event,
      deadLetterEvents[1].event,
    ]);
    expect(dead[0].headers).toMatchObject({
      'content-type': CLOUDEVENTS_JSON,
      [DELIVERY_DEAD_LETTER_HEADERS.subscriptionId]: deadLetterSubscription,
      [DELIVERY_DEAD_LETTER_HEADERS.deliveryId]: rows[0].id,
      [DELIVERY_DEAD_LETTER_HEADERS.eventId]: ids[0],
      [DELIVERY_DEAD_LETTER_HEADERS.attempts]: String(SCHEDULE.length),
      [DELIVERY_DEAD_LETTER_HEADERS.lastStatusCode]: '500',
      [DELIVERY_DEAD_LETTER_HEADERS.reason]: 'endpoint answered 500 Internal Server Error',
    });
  });

  it('lists deliveries with their attempts, and re-queues a failed one, which keeps its place in order', async () => {
    const firstPage = await notifier.log.listDeliveries(deadLetterSubscription, { limit: 2 });
    expect(firstPage.deliveries.map((delivery) => [delivery.eventId, delivery.status])).toEqual([
      [deadLetterEvents[2].id, 'pending'],
      [deadLetterEvents[1].id, 'failed'],
    ]);
    expect(
      firstPage.deliveries[1].attemptLog.map((attempt) => [
        attempt.attempt,
        attempt.outcome,
        attempt.statusCode,
      ]),
    ).toEqual([
      [1, 'failed', 500],
      [2, 'failed', 500],
      [3, 'failed', 500],
      [4, 'failed', 500],
    ]);
    expect(firstPage.deliveries[0]).toMatchObject({
      eventType: 'alert.published',
      recordId: deadLetterEvents[2].recordId,
    });
    const secondPage = await notifier.log.listDeliveries(deadLetterSubscription, {
      limit: 2,
      before: firstPage.nextCursor,
    });
    expect(secondPage.deliveries.map((delivery) => delivery.eventId)).toEqual([deadLetterEvents[0].id]);
    expect(secondPage.nextCursor).toBeNull();
    const failedOnly = await notifier.log.listDeliveries(deadLetterSubscription, {
      limit: 10,
      status: 'failed',
    });
    expect(failedOnly.deliveries).toHaveLength(2);

    const [first] = secondPage.deliveries;
    const retried = {
      action: 'delivery.retried',
      actor: { type: 'operator' },
      resourceType: 'delivery',
      resourceId: first.id,
    } as const;
    expect(await notifier.log.requeue(deadLetterSubscription, first.id, retried)).toBe('requeued');
    expect(await notifier.log.requeue(randomUUID(), first.id, retried)).toBe('not-found');

    // Resumed (as the gateway will): the re-queued delivery goes before the newer pending one.
    deadLetterEndpoint.recover();
    await setSubscriptionStatus(deadLetterSubscription, 'active');
    await expectEventually(async () => {
      const rows = await deliveries(deadLetterSubscription);
      expect(rows.map((row) => row.status)).toEqual(['delivered', 'failed', 'delivered']);
    });
    const delivered = deadLetterEndpoint.requests.filter((request) => request.status === 204);
    expect(delivered.map((request) => String(request.headers['webhook-id']))).toEqual([
      deadLetterEvents[0].id,
      deadLetterEvents[2].id,
    ]);
    expect(await notifier.log.requeue(deadLetterSubscription, first.id, retried)).toBe('already-delivered');
    const history = await attempts(deadLetterSubscription);
    expect(
      history.filter((row) => row.event_id === deadLetterEvents[0].id).map((row) => row.attempt),
    ).toEqual([1, 2, 3, 4, 5]);
  });

  it('pauses a subscription at once when its endpoint answers 410 Gone', async () => {
    const secret = generateWebhookSecret();
    const endpoint = (await receiver(secret)).gone();
    const subscriptionId = await seedSubscription(endpoint.url, secret);
    const before = await subscription(subscriptionId);
    await seedDeliveries(subscriptionId, 2);

    await expectEventually(async () => {
      expect(await subscription(subscriptionId)).toMatchObject({
        status: 'paused',
        paused_reason: 'endpoint answered 410 Gone',
      });
    });
    expect(BigInt((await subscription(subscriptionId)).revision)).toBeGreaterThan(BigInt(before.revision));
    expect(endpoint.requests).toHaveLength(1);
    // The delivery waits, in order, for the subscription to be resumed.
    const rows = await deliveries(subscriptionId);
    expect(rows.map((row) => [row.status, row.attempts, row.last_status_code])).toEqual([
      ['pending', 1, 410],
      ['pending', 0, null],
    ]);
    const backlog = await notifier.claims.backlog();
    expect(backlog.held).toBeGreaterThanOrEqual(2);
  });
});

describe('notifier: private targets refused (WEBHOOK_ALLOW_PRIVATE_TARGETS=false)', () => {
  let notifier: RunningNotifier;

  beforeAll(async () => {
    notifier = await startNotifier({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
  });

  afterAll(async () => {
    await notifier?.close();
  });

  it('refuses a loopback URL at send time and records the refusal', async () => {
    const secret = generateWebhookSecret();
    const endpoint = await receiver(secret);
    const subscriptionId = await seedSubscription(endpoint.url, secret);
    await seedDeliveries(subscriptionId, 1);

    await expectEventually(async () => {
      expect((await attempts(subscriptionId)).length).toBeGreaterThanOrEqual(1);
    });
    await setSubscriptionStatus(subscriptionId, 'deleted');
    const [refused] = await attempts(subscriptionId);
    expect(refused).toMatchObject({
      attempt: 1,
      outcome: 'refused',
      status_code: null,
      error: 'the webhook host is a loopback address',
    });
    expect(endpoint.requests).toHaveLength(0);
  });
});
