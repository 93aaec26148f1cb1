import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Admin } from 'kafkajs';
import { TOPICS } from '@hub/contracts';
import { ensureKafkaBroker, kafkaNodes, KAFKA_NODES } from '../../apps/launcher/src/kafka-broker';
import { ADMIN_TOKEN, EVENT_SIGNING_KEY, SECRET_KEY, testKafka } from '../support/hub-harness';
import { recordSpec } from '../support/intelligence-scenarios';
import { prepareTestDatabase, TEST_DATABASE } from '../support/test-database';
import { WebhookReceiver } from '../support/webhook-receiver';
import { FaultHub, withSuiteClient } from './fault-hub';
import { RecordStream } from './record-stream';
import { StormAudit } from './storm-audit';
import {
  enrolAudience,
  type Fault,
  PLANS,
  type ReceiverKind,
  renderReport,
  waitQuiescent,
} from './storm-audience';

/**
 * The broker-loss suite (`npm run test:broker-loss`, HUB_KAFKA_NODES=3): the hub's services run as
 * separate processes on the project's three-node Kafka cluster while a steady stream of records
 * goes through gateway, relays, routers and notifier. The suite SIGKILLs the node that leads the
 * most canonical partitions and restarts it later, then restarts the three nodes one at a time (the
 * next only once no partition is under-replicated). Afterwards every acknowledged record must be
 * everywhere the reference rules send it, in order, and nowhere else; and it says how long the
 * loss of a node stalled publication.
 */
const RATE = Number(process.env.FAULTS_RATE ?? 2.5);
const SEED = Number(process.env.FAULTS_SEED ?? 20261120);
const DATABASE = process.env.FAULTS_DATABASE_NAME ?? `${TEST_DATABASE}_broker_loss`;

const WARM_UP_MS = 10_000;
const NODE_DOWN_MS = 20_000;
const SETTLE_MS = 6_000;
const REPLICAS_TIMEOUT_MS = 120_000;
const QUIESCENCE_TIMEOUT_MS = 5 * 60_000;
const NOTIFIER = { timeoutMs: 1000, retryScheduleMs: [0, 250, 500, 1000, 2000, 4000] };
const CANONICAL = [TOPICS.alerts, TOPICS.seizures];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const clock = (at = Date.now()): string => {
  const seconds = Math.round((at - started) / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
};
const say = (line: string): void => void process.stdout.write(`[broker-loss] ${clock()} ${line}\n`);

/** The node that leads the most partitions of the canonical topics. */
async function busiestCanonicalLeader(admin: Admin): Promise<{ node: number; leads: number; of: number }> {
  const { topics } = await admin.fetchTopicMetadata({ topics: CANONICAL });
  const partitions = topics.flatMap((topic) => topic.partitions);
  const leads = new Map<number, number>();
  for (const partition of partitions) leads.set(partition.leader, (leads.get(partition.leader) ?? 0) + 1);
  const [node, count] = [...leads].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  return { node, leads: count, of: partitions.length };
}

/** Partitions (of every topic, the internal ones included) with fewer in-sync replicas than replicas. */
async function underReplicated(admin: Admin): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata();
  return topics
    .flatMap((topic) => topic.partitions)
    .filter((partition) => partition.isr.length < partition.replicas.length).length;
}

async function untilFullyReplicated(admin: Admin): Promise<number> {
  const since = Date.now();
  for (;;) {
    const count = await underReplicated(admin).catch(() => Number.NaN);
    if (count === 0) return Date.now() - since;
    if (Date.now() - since > REPLICAS_TIMEOUT_MS)
      throw new Error(`${count} partitions still under-replicated after ${REPLICAS_TIMEOUT_MS / 1000} s`);
    await sleep(500);
  }
}

/** When the relays' publications were acknowledged (outbox rows' published_at), in order. */
async function publicationTimes(databaseUrl: string, from: number, to: number): Promise<number[]> {
  return withSuiteClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ at: Date }>(
      `SELECT published_at AS at FROM outbox_events
        WHERE published_at BETWEEN $1 AND $2 ORDER BY published_at`,
      [new Date(from), new Date(to)],
    );
    return rows.map((row) => row.at.getTime());
  });
}

interface Stall {
  what: string;
  /** From the fault to the first publication acknowledged after it. */
  toNextPublicationMs: number;
  /**
   * The longest time without an acknowledged publication from the fault until the cluster was
   * whole again (the node back, no partition under-replicated) and the first publication after.
   */
  maxGapMs: number;
}

async function measureStall(databaseUrl: string, what: string, from: number, to: number): Promise<Stall> {
  const times = await publicationTimes(databaseUrl, from, Date.now());
  const after = times.find((time) => time > to);
  const span = [from, ...times.filter((time) => time <= to), after ?? to];
  let maxGapMs = 0;
  for (let i = 1; i < span.length; i += 1) maxGapMs = Math.max(maxGapMs, span[i] - span[i - 1]);
  return {
    what,
    toNextPublicationMs: times.length === 0 ? Number.POSITIVE_INFINITY : times[0] - from,
    maxGapMs,
  };
}

describe('broker loss: a three-node cluster loses nothing acknowledged when a node dies or restarts', () => {
  const runTag = randomUUID().slice(0, 6);
  const logDir = path.resolve(
    __dirname,
    '..',
    '..',
    '.cache',
    'faults',
    `${new Date().toISOString().replace(/[:.]/g, '-')}-broker-loss-${runTag}`,
  );
  const faults: Fault[] = [];
  const receivers = new Map<ReceiverKind, WebhookReceiver>();
  let hub: FaultHub | undefined;
  let admin: Admin | undefined;
  let databaseUrl = '';

  const fault = (what: string): number => {
    const at = Date.now();
    faults.push({ at, what });
    return at;
  };

  beforeAll(async () => {
    if (KAFKA_NODES !== 3)
      throw new Error('the broker-loss suite needs the three-node cluster: run `npm run test:broker-loss`');
    const distRoot = path.resolve(__dirname, '..', '..', 'dist');
    if (!fs.existsSync(path.join(distRoot, 'apps', 'gateway', 'src', 'main.js')))
      throw new Error(
        'dist/ is missing: run `npm run test:broker-loss` (it builds first) or `npm run build`',
      );
    say(`setting up: three-node cluster, database ${DATABASE}, services from dist/ (logs in ${logDir})`);
    const broker = await ensureKafkaBroker({ log: say });
    if (broker.external || !broker.local)
      throw new Error(
        'the suite kills and restarts nodes: run it against the project cluster (unset KAFKA_BROKERS)',
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
      routerGroupId: `hub-router-broker-loss-${runTag}`,
      notifier: NOTIFIER,
      log: say,
    });
    admin = testKafka().admin();
    await admin.connect();
    for (const kind of ['healthy', 'flaky', 'hanging', 'slow'] as const)
      receivers.set(kind, (await WebhookReceiver.start(null, `/hooks/${kind}`)).plan(PLANS[kind]));
  });

  afterAll(async () => {
    for (const receiver of receivers.values()) await receiver.close();
    await admin?.disconnect();
    await hub?.stop();
    // Leave the cluster whole: a node the suite stopped is started again.
    await ensureKafkaBroker({ log: () => undefined });
  });

  it('keeps every acknowledged record, in order, through a killed leader and a rolling restart', async () => {
    const running = hub!;
    const kafka = admin!;
    const gateway = running.gatewayUrl;

    // The hub's topics are made for a cluster: three replicas, two of them in sync for a write.
    const { resources } = await kafka.describeConfigs({
      includeSynonyms: false,
      resources: CANONICAL.map((name) => ({
        type: 2, // ConfigResourceTypes.TOPIC
        name,
        configNames: ['min.insync.replicas', 'unclean.leader.election.enable'],
      })),
    });
    const { topics: canonical } = await kafka.fetchTopicMetadata({ topics: CANONICAL });
    expect({
      replicas: canonical.flatMap((topic) => topic.partitions.map((partition) => partition.replicas.length)),
      configs: resources.map((resource) =>
        Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
      ),
    }).toEqual({
      replicas: canonical.flatMap((topic) => topic.partitions.map(() => 3)),
      configs: CANONICAL.map(() => ({
        'min.insync.replicas': '2',
        'unclean.leader.election.enable': 'false',
      })),
    });

    const { organizations, subscriptions, regionalReader } = await enrolAudience(gateway, runTag, receivers);
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
    say(`phase 1/3: warm-up, no faults (${stream.started} records started)`);
    await sleep(WARM_UP_MS);

    const stalls: Stall[] = [];
    const leader = await busiestCanonicalLeader(kafka);
    say(
      `phase 2/3: SIGKILL node ${leader.node} (leads ${leader.leads} of ${leader.of} canonical partitions), ` +
        `restart it after ${NODE_DOWN_MS / 1000} s (${stream.started} records started)`,
    );
    stream.burst(24);
    await stream.inFlightAtLeast(6);
    await running.stopBrokerNode(leader.node, 'SIGKILL');
    const killedAt = fault(
      `SIGKILL Kafka node ${leader.node} (leader of ${leader.leads}/${leader.of} canonical partitions)`,
    );
    await sleep(NODE_DOWN_MS);
    const restartAt = Date.now();
    await running.startBroker();
    fault(
      `restarted Kafka node ${leader.node} (${((Date.now() - restartAt) / 1000).toFixed(0)} s to answer)`,
    );
    const caughtUpMs = await untilFullyReplicated(kafka);
    const wholeAt = fault(
      `no partition under-replicated (${(caughtUpMs / 1000).toFixed(0)} s after the node answered)`,
    );
    stalls.push(await measureStall(databaseUrl, `SIGKILL node ${leader.node}`, killedAt, wholeAt));
    await sleep(SETTLE_MS);

    say(`phase 3/3: rolling restart of the three nodes (${stream.started} records started)`);
    for (const node of kafkaNodes()) {
      stream.burst(12);
      const stoppedAt = fault(`SIGTERM Kafka node ${node.id} (rolling restart)`);
      await running.stopBrokerNode(node.id, 'SIGTERM');
      await running.startBroker();
      const caughtUp = await untilFullyReplicated(kafka);
      const wholeAt = fault(
        `Kafka node ${node.id} back, no partition under-replicated (${(caughtUp / 1000).toFixed(0)} s)`,
      );
      stalls.push(await measureStall(databaseUrl, `rolling restart: node ${node.id}`, stoppedAt, wholeAt));
      await sleep(SETTLE_MS);
    }

    say(`stream stopping: waiting for ${stream.started} records' clients to finish`);
    await stream.stop();
    const streamStopped = Date.now();
    say(
      `stream done in ${((Date.now() - streamStarted) / 1000).toFixed(0)} s: ${JSON.stringify(stream.counts)}`,
    );

    say('waiting for the hub to be quiescent (outbox empty, router group caught up, deliveries settled)');
    const quiescence = await waitQuiescent(
      databaseUrl,
      `hub-router-broker-loss-${runTag}`,
      QUIESCENCE_TIMEOUT_MS,
      say,
    );
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
    const health = await running.health();
    const unhealthy = health
      .filter((entry) => entry.status !== 200)
      .map((entry) => `${entry.service}: ${entry.status} ${entry.body}`);
    const anomalies = [...stream.anomalies, ...report.anomalies];
    // Publication while the stream ran, for the longest gap at any time (a fault's or not).
    const overall = await measureStall(databaseUrl, 'whole stream', streamStarted, streamStopped);

    process.stdout.write(
      renderReport(report, stream, faults, streamStarted, running, anomalies, unhealthy, null) +
        [
          'publication stalls (relay acknowledgements, outbox published_at):',
          ...stalls.map(
            (stall) =>
              `  ${stall.what.padEnd(26)} next publication ${(stall.toNextPublicationMs / 1000).toFixed(1)} s after the fault, ` +
              `longest gap until the cluster was whole ${(stall.maxGapMs / 1000).toFixed(1)} s`,
          ),
          `  longest gap between consecutive publications while the stream ran: ${(overall.maxGapMs / 1000).toFixed(1)} s`,
          '',
        ].join('\n'),
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
      // Every fault ended with publication going on again.
      stalledForGood: stalls
        .filter((stall) => !Number.isFinite(stall.toNextPublicationMs))
        .map((s) => s.what),
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
      stalledForGood: [],
    });
    for (const channel of ['canonical', 'regional', 'pull', 'webhook'] as const)
      expect(report.channels[channel].delivered).toBeGreaterThan(0);
  });
});
