import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureKafkaBroker } from '../../apps/launcher/src/kafka-broker';
import { ADMIN_TOKEN, EVENT_SIGNING_KEY, SECRET_KEY } from '../support/hub-harness';
import { recordSpec } from '../support/intelligence-scenarios';
import { prepareTestDatabase, TEST_DATABASE } from '../support/test-database';
import { WebhookReceiver } from '../support/webhook-receiver';
import { FaultHub, type ServiceName } from './fault-hub';
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
import { SuspensionWindow } from './suspension-window';

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

    const { organizations, subscriptions, regionalReader } = await enrolAudience(gateway, runTag, receivers);
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
    const quiescence = await waitQuiescent(
      databaseUrl,
      `hub-router-faults-${runTag}`,
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
