import fc from 'fast-check';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { regionalTopic, TOPICS, WCO_REGIONS } from '@hub/contracts';
import { ensureKafkaBroker } from '../../apps/launcher/src/kafka-broker';
import {
  ADMIN_TOKEN,
  api,
  EVENT_SIGNING_KEY,
  registerOrganization,
  SECRET_KEY,
  testKafka,
  type TopicReader,
} from '../support/hub-harness';
import { filterSpec, type OrganizationSpec, recordSpec } from '../support/intelligence-scenarios';
import type { ReferenceFilter } from '../support/reference-rules';
import { type IssuedStreamCredential, riloKafka } from '../support/rilo-clients';
import { prepareTestDatabase, TEST_DATABASE } from '../support/test-database';
import { type WebhookPlan, WebhookReceiver } from '../support/webhook-receiver';
import { FaultHub, type ServiceName, withSuiteClient } from './fault-hub';
import { RecordStream, type StreamOrganization } from './record-stream';
import { type AuditReport, type AuditSubscription, StormAudit } from './storm-audit';
import { type SuspensionReport, SuspensionWindow } from './suspension-window';

/**
 * The fault-injection suite (`npm run test:faults`): the hub's services run as separate
 * processes from dist/ while a steady stream of records goes through them and the suite
 * SIGKILLs relays, routers, the notifier and the gateway, stops the broker, cuts the
 * database connections and lets webhook endpoints fail, hang and dawdle, and an operator suspends
 * and reinstates an organization. Afterwards every acknowledged record must be everywhere the
 * reference rules send it, and nowhere else; the suspended organization must have been sent and
 * matched nothing while suspended.
 */
const RATE = Number(process.env.FAULTS_RATE ?? 2.5);
const ROUNDS = Number(process.env.FAULTS_ROUNDS ?? 1);
const SEED = Number(process.env.FAULTS_SEED ?? 20261120);
const POSTGRES_RESTART_COMMAND = process.env.FAULTS_POSTGRES_RESTART_COMMAND;
const DATABASE = process.env.FAULTS_DATABASE_NAME ?? `${TEST_DATABASE}_faults`;

const WARM_UP_MS = 10_000;
const DOWN_MS = 6_000;
const SETTLE_MS = 6_000;
const BROKER_DOWN_MS = 20_000;
const SUSPENDED_MS = 10_000;
const QUIESCENCE_TIMEOUT_MS = 5 * 60_000;
const NOTIFIER = { timeoutMs: 1000, retryScheduleMs: [0, 250, 500, 1000, 2000, 4000] };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const clock = (at = Date.now()): string => {
  const seconds = Math.round((at - started) / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
};
const say = (line: string): void => void process.stdout.write(`[faults] ${clock()} ${line}\n`);

/** Member administrations across every WCO region, RILOs, partner agencies and the secretariat. */
const ORGANIZATIONS: (OrganizationSpec & { label: string })[] = [
  ...['FR', 'DE', 'KZ', 'NG', 'SN', 'KE', 'CN', 'IN', 'BR', 'US', 'EG', 'AE'].map((country) => ({
    label: `customs-${country.toLowerCase()}`,
    kind: 'member' as const,
    country,
  })),
  ...(['europe', 'west-central-africa', 'asia-pacific', 'mena'] as const).map((region) => ({
    label: `rilo-${region}`,
    kind: 'rilo' as const,
    region,
  })),
  { label: 'iaea', kind: 'partner' },
  { label: 'interpol', kind: 'partner' },
  { label: 'wco-secretariat', kind: 'secretariat' },
];

type ReceiverKind = 'healthy' | 'flaky' | 'hanging' | 'slow';

/** Per event (webhook-id), so that every delivery fails at most twice and then gets through. */
const bucket = (webhookId: string): number => createHash('sha1').update(webhookId).digest()[0] % 100;
const PLANS: Record<ReceiverKind, WebhookPlan> = {
  healthy: () => null,
  flaky: (id, earlier) => {
    const b = bucket(id);
    if (earlier === 0 && b < 30) return { kind: 'answer', status: 500 };
    if (earlier === 1 && b < 10) return { kind: 'answer', status: 503 };
    return null;
  },
  // Past WEBHOOK_TIMEOUT_MS: the notifier must give up on the attempt and try again.
  hanging: (id, earlier) => (earlier === 0 && bucket(id) < 15 ? { kind: 'hang' } : null),
  slow: (id, earlier) =>
    earlier === 0 && bucket(id) < 10
      ? { kind: 'answer', status: 502, delayMs: 300 }
      : { kind: 'answer', status: 204, delayMs: 100 + (bucket(id) % 5) * 100 },
};

/** Who subscribes to what: every kind of organization, pull and webhook, with and without filters. */
function subscriptionPlan(): { owner: string; filter: ReferenceFilter; delivery: 'pull' | ReceiverKind }[] {
  const everything: { owner: string; delivery: 'pull' | ReceiverKind }[] = [
    { owner: 'customs-fr', delivery: 'pull' },
    { owner: 'customs-cn', delivery: 'pull' },
    { owner: 'customs-ng', delivery: 'healthy' },
    { owner: 'customs-ke', delivery: 'flaky' },
    { owner: 'rilo-europe', delivery: 'pull' },
    { owner: 'rilo-asia-pacific', delivery: 'flaky' },
    { owner: 'iaea', delivery: 'hanging' },
    { owner: 'interpol', delivery: 'pull' },
    { owner: 'wco-secretariat', delivery: 'healthy' },
  ];
  const filters = fc.sample(filterSpec, { numRuns: 18, seed: SEED });
  const deliveries: ('pull' | ReceiverKind)[] = ['pull', 'healthy', 'slow', 'pull', 'flaky', 'hanging'];
  return [
    ...everything.map((entry) => ({ ...entry, filter: {} })),
    ...filters.map((filter, index) => ({
      owner: ORGANIZATIONS[(index * 5) % ORGANIZATIONS.length].label,
      filter,
      delivery: deliveries[index % deliveries.length],
    })),
  ];
}

interface Fault {
  at: number;
  what: string;
}

/**
 * The regional streams' observer, as a stream consumer: a credential issued through the admin
 * route to the secretariat (the one reader of all six regional topics), used with kafkajs over the
 * external SASL_SSL listener and the hub's CA, in groups under the credential's prefix.
 */
async function secretariatStreamReader(gateway: string, code: string): Promise<TopicReader> {
  const issued = await api<IssuedStreamCredential>(
    gateway,
    'POST',
    `/v1/admin/organizations/${code}/stream-credentials`,
    { key: ADMIN_TOKEN },
  );
  expect(issued.status).toBe(201);
  expect(issued.body).toMatchObject({
    securityProtocol: 'SASL_SSL',
    topics: WCO_REGIONS.map(regionalTopic),
    groupPrefix: `${code}.`,
  });
  return { kafka: riloKafka(issued.body), groupPrefix: issued.body.groupPrefix };
}

describe('fault injection: nothing acknowledged is lost, nothing leaks', () => {
  const runTag = randomUUID().slice(0, 6);
  const logDir = path.resolve(
    __dirname,
    '..',
    '..',
    '.cache',
    'faults',
    `${new Date().toISOString().replace(/[:.]/g, '-')}-${runTag}`,
  );
  const faults: Fault[] = [];
  const receivers = new Map<ReceiverKind, WebhookReceiver>();
  let hub: FaultHub | undefined;
  let suspension: SuspensionWindow | undefined;
  let databaseUrl = '';

  const fault = (what: string): void => {
    faults.push({ at: Date.now(), what });
  };

  beforeAll(async () => {
    const distRoot = path.resolve(__dirname, '..', '..', 'dist');
    if (!fs.existsSync(path.join(distRoot, 'apps', 'gateway', 'src', 'main.js')))
      throw new Error('dist/ is missing: run `npm run test:faults` (it builds first) or `npm run build`');
    say(
      `setting up: broker, database ${DATABASE}, services from dist/ (logs in ${path.relative(process.cwd(), logDir)})`,
    );
    const broker = await ensureKafkaBroker({ log: () => undefined });
    if (broker.external)
      throw new Error(
        'the suite stops and starts the broker: run it against the project broker (unset KAFKA_BROKERS)',
      );
    process.env.KAFKA_BROKERS = broker.brokers.join(',');
    databaseUrl = (await prepareTestDatabase(() => undefined, DATABASE)).url;
    hub = await FaultHub.start({
      distRoot,
      logDir,
      databaseUrl,
      brokers: broker.brokers.join(','),
      kafka: broker.local,
      adminToken: ADMIN_TOKEN,
      secretKey: SECRET_KEY,
      eventSigningKey: EVENT_SIGNING_KEY,
      routerGroupId: `hub-router-faults-${runTag}`,
      notifier: NOTIFIER,
      log: say,
    });
    for (const kind of ['healthy', 'flaky', 'hanging', 'slow'] as const)
      receivers.set(kind, (await WebhookReceiver.start(null, `/hooks/${kind}`)).plan(PLANS[kind]));
  });

  afterAll(async () => {
    for (const receiver of receivers.values()) await receiver.close();
    await suspension?.close();
    await hub?.stop();
    // Leave the broker as the other tests expect it: running.
    await ensureKafkaBroker({ log: () => undefined });
  });

  it('keeps every acknowledged record through crashes, outages and failing endpoints', async () => {
    const running = hub!;
    const gateway = running.gatewayUrl;

    const organizations: StreamOrganization[] = [];
    for (const spec of ORGANIZATIONS) {
      const { label, ...kind } = spec;
      const registered = await registerOrganization(gateway, { ...kind, code: `${label}-${runTag}` });
      organizations.push({
        code: registered.code,
        apiKey: registered.apiKey,
        reference: { ...kind, code: registered.code },
      });
    }
    const byLabel = new Map(ORGANIZATIONS.map((spec, index) => [spec.label, organizations[index]]));
    const regionalReader = await secretariatStreamReader(gateway, byLabel.get('wco-secretariat')!.code);

    const subscriptions: AuditSubscription[] = [];
    for (const [index, plan] of subscriptionPlan().entries()) {
      const owner = byLabel.get(plan.owner)!;
      const name = `${plan.owner} #${index} (${plan.delivery}${Object.keys(plan.filter).length ? '' : ', everything'})`;
      const receiver = plan.delivery === 'pull' ? undefined : receivers.get(plan.delivery)!;
      const url = receiver ? `${receiver.url}/${index}` : undefined;
      const created = await api<{ subscription: { id: string }; secret?: string }>(
        gateway,
        'POST',
        '/v1/subscriptions',
        {
          key: owner.apiKey,
          body: { name, filter: plan.filter, delivery: url ? { type: 'webhook', url } : { type: 'pull' } },
        },
      );
      expect(created.status).toBe(201);
      if (receiver && url) receiver.trust(new URL(url).pathname, created.body.secret!);
      subscriptions.push({
        id: created.body.subscription.id,
        name,
        owner,
        filter: plan.filter,
        delivery: receiver ? 'webhook' : 'pull',
        receiver,
        path: url ? new URL(url).pathname : undefined,
      });
    }
    // Outside the record stream and the storm audit's subscriptions: audited on its own.
    const suspended = await SuspensionWindow.start(gateway, runTag);
    suspension = suspended;
    say(
      `${organizations.length} organizations, ${subscriptions.length} subscriptions ` +
        `(${subscriptions.filter((s) => s.delivery === 'webhook').length} webhook); streaming ${RATE} records/s`,
    );

    const stream = new RecordStream({
      gatewayUrl: gateway,
      organizations,
      specs: fc.sample(recordSpec(organizations.length), { numRuns: Math.ceil(RATE * 1200), seed: SEED }),
      ratePerSecond: RATE,
      concurrency: 8,
      runTag,
    });
    const streamStarted = Date.now();
    stream.start();

    // The storm: one line per phase; each fault is noted with its time.
    const phases: { name: string; run: () => Promise<void> }[] = [
      { name: 'warm-up, no faults', run: () => sleep(WARM_UP_MS) },
    ];
    /** A burst of submissions, and the moment when several are in flight (the fault should hit some mid-request). */
    const midRequest = async (): Promise<void> => {
      stream.burst(24);
      await stream.inFlightAtLeast(6);
      await sleep(Math.floor(Math.random() * 25));
    };
    const crash = (label: string, pick: () => Promise<ServiceName[]>, hitRequests = false) => ({
      name: label,
      run: async () => {
        const names = await pick();
        if (hitRequests) await midRequest();
        await running.kill(...names);
        fault(`SIGKILL ${names.join(', ')}`);
        await sleep(DOWN_MS);
        await running.startServices(...names);
        fault(`restarted ${names.join(', ')}`);
        await sleep(SETTLE_MS);
      },
    });
    for (let round = 0; round < ROUNDS; round += 1) {
      phases.push(
        crash(
          'SIGKILL the relay holding the most outbox shards (the other takes its shards over)',
          async () => [(await running.busiestRelay()) ?? 'relay-1'],
        ),
        crash('SIGKILL router-1 (router-2 takes over its partitions)', () => Promise.resolve(['router-1'])),
        crash('SIGKILL the notifier with deliveries in flight', () => Promise.resolve(['notifier'])),
        ...(round === 0
          ? [
              {
                name: `suspend an organization for ${SUSPENDED_MS / 1000} s, then reinstate it`,
                run: async () => {
                  stream.burst(24);
                  await suspended.suspend();
                  fault(`suspended ${suspended.organizationCode}`);
                  stream.burst(24);
                  await sleep(SUSPENDED_MS);
                  await suspended.reinstate();
                  fault(`reinstated ${suspended.organizationCode}`);
                  await sleep(SETTLE_MS);
                },
              },
            ]
          : []),
        crash(
          'SIGKILL the gateway mid-stream (clients resend unanswered submissions)',
          () => Promise.resolve(['gateway']),
          true,
        ),
        {
          name: 'lose answers on the way back: clients cut a third of their connections right after sending, for 10 s',
          run: async () => {
            stream.dropAnswers(10_000);
            stream.burst(24);
            fault('answers dropped for 10 s');
            await sleep(10_000 + SETTLE_MS);
          },
        },
        crash('SIGKILL both relays, both routers and the notifier together', () =>
          Promise.resolve(['relay-1', 'relay-2', 'router-1', 'router-2', 'notifier']),
        ),
        {
          name: `stop the Kafka broker for ${BROKER_DOWN_MS / 1000} s`,
          run: async () => {
            await running.stopBroker();
            fault('Kafka broker stopped');
            await sleep(BROKER_DOWN_MS);
            await running.startBroker();
            fault('Kafka broker started');
            await sleep(SETTLE_MS);
          },
        },
        {
          name: "cut the hub's PostgreSQL connections (pg_terminate_backend), twice",
          run: async () => {
            for (let cut = 0; cut < 2; cut += 1) {
              await midRequest();
              fault(`terminated ${await running.cutDatabaseConnections()} hub connections`);
              await sleep(5000);
            }
            await sleep(SETTLE_MS);
          },
        },
        crash(
          'SIGKILL the gateway and router-2 together',
          () => Promise.resolve(['gateway', 'router-2']),
          true,
        ),
      );
      if (POSTGRES_RESTART_COMMAND)
        phases.push({
          name: 'restart the PostgreSQL server (FAULTS_POSTGRES_RESTART_COMMAND)',
          run: async () => {
            fault('PostgreSQL server restarting');
            await running.restartDatabaseServer(POSTGRES_RESTART_COMMAND);
            fault('PostgreSQL server answering again');
            await sleep(SETTLE_MS);
          },
        });
    }
    for (const [index, phase] of phases.entries()) {
      say(`phase ${index + 1}/${phases.length}: ${phase.name} (${stream.started} records started)`);
      await phase.run();
    }

    say(`stream stopping: waiting for ${stream.started} records' clients to finish`);
    await stream.stop();
    const streamSeconds = (Date.now() - streamStarted) / 1000;
    say(`stream done in ${streamSeconds.toFixed(0)} s: ${JSON.stringify(stream.counts)}`);

    say('waiting for the hub to be quiescent (outbox empty, router group caught up, deliveries settled)');
    const quiescence = await waitQuiescent(databaseUrl, `hub-router-faults-${runTag}`, QUIESCENCE_TIMEOUT_MS);
    say(
      quiescence.reached
        ? `quiescent after ${quiescence.seconds.toFixed(0)} s`
        : `NOT quiescent: ${quiescence.state}`,
    );

    say('auditing the database, the topics, every pull feed and every webhook endpoint');
    const report = await new StormAudit(
      databaseUrl,
      gateway,
      stream.records,
      subscriptions,
      regionalReader,
    ).run();
    const suspensionReport = await suspended.audit(databaseUrl);
    const health = await running.health();
    const unhealthy = health
      .filter((entry) => entry.status !== 200)
      .map((entry) => `${entry.service}: ${entry.status} ${entry.body}`);
    const anomalies = [
      ...stream.anomalies,
      ...report.anomalies,
      ...suspensionReport.anomalies.map((anomaly) => `suspended organization: ${anomaly}`),
    ];

    process.stdout.write(
      renderReport(report, stream, faults, streamStarted, running, anomalies, unhealthy, suspensionReport),
    );

    const sum = (field: 'forbiddenDuplicates' | 'outOfOrder'): number =>
      Object.values(report.channels).reduce((total, counts) => total + counts[field], 0);
    expect({
      lost: report.lost,
      leaked: report.leaked,
      forbiddenDuplicates: sum('forbiddenDuplicates'),
      outOfOrder: sum('outOfOrder'),
      deadLettered: report.deadLettered,
      resentNotOneRecord: report.resent - report.resentOneRecord,
      anomalies,
      unexpectedExits: running.unexpectedExits.map(
        (exit) => `${exit.service} ${exit.how} at ${clock(exit.at.getTime())}`,
      ),
      unhealthy,
      quiescent: quiescence.reached,
    }).toEqual({
      lost: 0,
      leaked: 0,
      forbiddenDuplicates: 0,
      outOfOrder: 0,
      deadLettered: 0,
      resentNotOneRecord: 0,
      anomalies: [],
      unexpectedExits: [],
      unhealthy: [],
      quiescent: true,
    });
    // The storm proves little unless it carried traffic on every channel.
    for (const channel of ['canonical', 'regional', 'pull', 'webhook'] as const)
      expect(report.channels[channel].delivered).toBeGreaterThan(0);
  });
});

/**
 * Waits, by watching state rather than time, until nothing is left in flight: no unpublished
 * outbox row, the router group's committed offsets at the end of every canonical partition,
 * and no pending webhook delivery. Each condition follows from the one before it.
 */
async function waitQuiescent(
  databaseUrl: string,
  groupId: string,
  timeoutMs: number,
): Promise<{ reached: boolean; seconds: number; state: string }> {
  const since = Date.now();
  const admin = testKafka().admin();
  await admin.connect();
  let lastSaid = Date.now();
  try {
    for (;;) {
      const [outbox, deliveries] = await withSuiteClient(databaseUrl, async (client) => [
        (
          await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
          )
        ).rows[0].n,
        (
          await client.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'",
          )
        ).rows[0].n,
      ]);
      let lag = 0;
      for (const topic of [TOPICS.alerts, TOPICS.seizures]) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const end of ends) {
          const at =
            committed.partitions.find((partition) => partition.partition === end.partition)?.offset ?? '-1';
          lag += Number(end.high) - Math.max(0, Number(at));
        }
      }
      const state = `${outbox} unpublished outbox rows, router lag ${lag}, ${deliveries} pending deliveries`;
      if (outbox === 0 && lag === 0 && deliveries === 0)
        return { reached: true, seconds: (Date.now() - since) / 1000, state };
      if (Date.now() - since > timeoutMs)
        return { reached: false, seconds: (Date.now() - since) / 1000, state };
      if (Date.now() - lastSaid > 20_000) {
        say(`  still settling: ${state}`);
        lastSaid = Date.now();
      }
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

function renderReport(
  report: AuditReport,
  stream: RecordStream,
  faults: Fault[],
  streamStarted: number,
  hub: FaultHub,
  anomalies: string[],
  unhealthy: string[],
  suspension: SuspensionReport,
): string {
  const { counts } = stream;
  const acknowledged =
    counts.acknowledged.submissions + counts.acknowledged.revisions + counts.acknowledged.withdrawals;
  const at = (time: number): string => `+${((time - streamStarted) / 1000).toFixed(0).padStart(3)} s`;
  const lines = [
    '',
    '================ fault-injection suite: counts ================',
    `acknowledged  ${acknowledged} requests got a 2xx: ${counts.acknowledged.submissions} submissions, ` +
      `${counts.acknowledged.revisions} revisions, ${counts.acknowledged.withdrawals} withdrawals ` +
      `(${counts.requests} requests sent)`,
    `unanswered    ${counts.unanswered} sends got no answer (${counts.answersDropped} cut on purpose after sending), ` +
      `${counts.serverErrors} a 5xx, ${counts.refused} were refused (gateway down)`,
    `resent        ${report.resent} submissions resent with the same reference → ${report.resentOneRecord} ended as ` +
      `exactly one record with the id acknowledged (${counts.resentFoundStored} found the first send stored: 200)`,
    `uncertain     ${counts.uncertainChanges} revisions/withdrawals without an answer: ${report.uncertainCommitted} ` +
      `stored (and checked like acknowledged ones), ${report.uncertainNotCommitted} not`,
    '',
    'channel     expected  delivered  lost  leaked  duplicated(allowed)  duplicated(forbidden)  out-of-order',
    ...Object.entries(report.channels).map(
      ([channel, c]) =>
        `${channel.padEnd(10)} ${String(c.expected).padStart(9)} ${String(c.delivered).padStart(10)} ` +
        `${String(c.lost).padStart(5)} ${String(c.leaked).padStart(7)} ${String(c.duplicated).padStart(20)} ` +
        `${String(c.forbiddenDuplicates).padStart(22)} ${String(c.outOfOrder).padStart(13)}`,
    ),
    '(database: acknowledged versions stored; canonical: every stored version on its topic; duplicates on topics ' +
      'and webhooks repeat the same event id / webhook-id; audit: one trail entry per stored version, delivered ' +
      'webhook and regional publication, and every pull page read)',
    `dead-lettered ${report.deadLettered} (endpoint failures are intermittent, so a dead letter counts as lost)`,
    `suspended     while suspended: ${suspension.matchedWhileSuspended} feed entries matched to it ` +
      `(${suspension.routedToOthersWhileSuspended} to the others), ${suspension.receivedWhileSuspended} webhooks ` +
      `received (${suspension.inFlightAtSuspension} on the wire at the suspension); its deliveries ` +
      `${JSON.stringify(suspension.deliveries)}; ${suspension.cancelledThenSent} cancelled ones sent later; after ` +
      `reinstatement ${suspension.matchedAfterReinstatement} matched, ${suspension.receivedAfterReinstatement} received`,
    `deliveries    ${JSON.stringify(report.deliveryStates)}`,
    '',
    `LOST ${report.lost}   LEAKED ${report.leaked}`,
    '',
    'faults injected (time since the stream started):',
    ...faults.map((entry) => `  ${at(entry.at)}  ${entry.what}`),
    ...(hub.unexpectedExits.length
      ? [
          'unexpected exits:',
          ...hub.unexpectedExits.map((exit) => `  ${at(exit.at.getTime())}  ${exit.service} ${exit.how}`),
        ]
      : []),
    ...(report.examples.length ? ['examples:', ...report.examples.map((example) => `  ${example}`)] : []),
    ...(anomalies.length ? ['anomalies:', ...anomalies.slice(0, 20).map((anomaly) => `  ${anomaly}`)] : []),
    ...(unhealthy.length ? ['unhealthy at the end:', ...unhealthy.map((entry) => `  ${entry}`)] : []),
    `service logs: ${path.relative(process.cwd(), hub.logFile('gateway').replace(/gateway\.log$/, ''))}`,
    '===============================================================',
    '',
  ];
  return lines.join('\n');
}
