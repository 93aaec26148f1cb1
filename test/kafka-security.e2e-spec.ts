/**
 * The development broker's security, tried as an outsider and as each hub service would: no
 * listener accepts an unauthenticated or PLAINTEXT client (kcat, Debian's librdkafka client, is the
 * outsider), a wrong password is refused, each service's principal can do what its service does
 * and nothing else, the external SASL_SSL listener serves the official Java client, and a deleted
 * SCRAM user loses its open session within the re-authentication bound.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { DEAD_LETTER_TOPICS, OPERATIONS_TOPIC, TOPICS, regionalTopic } from '@hub/contracts';
import {
  deleteScramUser,
  HUB_SERVICES,
  type HubService,
  kafkajsSecurity,
  listScramUsers,
  type ScramUserTool,
  SERVICE_PRINCIPALS,
  untilBrokersAnswer,
  upsertScramUser,
} from '@hub/messaging';
import { type KafkaSecurity, kafkaSecurity, loadConfig } from '@hub/platform';
import { RelayConfig } from '../apps/relay/src/relay.config';
import {
  KAFKA_CONTROLLER_PORT,
  KAFKA_EXTERNAL_PORT,
  KAFKA_PORT,
  KAFKA_REAUTH_MS,
  localKafkaBroker,
  type LocalKafkaBroker,
} from '../apps/launcher/src/kafka-broker';
import { expectEventually, startNotifier, startRelay, startRouter, testKafka } from './support/hub-harness';

const INTERNAL = [`127.0.0.1:${KAFKA_PORT}`];

/** A kafkajs client that fails fast (no retries), for probing what the broker allows. */
function client(brokers: string[], security: KafkaSecurity, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: `security-probe-${randomUUID().slice(0, 8)}`,
    brokers,
    ...kafkajsSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 10000,
    retry: { retries: 0 },
    ...extra,
  });
}

function serviceSecurity(service: HubService): KafkaSecurity {
  const prefix = service.toUpperCase();
  const username = process.env[`${prefix}_KAFKA_SASL_USERNAME`];
  const password = process.env[`${prefix}_KAFKA_SASL_PASSWORD`];
  if (!username || !password)
    throw new Error(`${prefix}_KAFKA_SASL_USERNAME/PASSWORD not set by the global setup`);
  return { sasl: { mechanism: 'scram-sha-512', username, password } };
}

const AUTHORIZATION_MESSAGES: [string, RegExp][] = [
  ['TOPIC_AUTHORIZATION_FAILED', /topic authorization failed/i],
  ['GROUP_AUTHORIZATION_FAILED', /group authorization failed/i],
  ['CLUSTER_AUTHORIZATION_FAILED', /cluster authorization failed/i],
];

/**
 * What a failed call ends with: the Kafka error type (e.g. TOPIC_AUTHORIZATION_FAILED) found in
 * the error, its causes or its aggregated errors (kafkajs re-wraps some and keeps only the
 * message), else the kafkajs error name; 'ALLOWED' when the call succeeds.
 */
async function refusal(attempt: () => Promise<unknown>): Promise<string> {
  try {
    await attempt();
    return 'ALLOWED';
  } catch (error) {
    const chain: { type?: unknown; name?: unknown; message?: unknown }[] = [];
    const walk = (found: unknown): void => {
      if (!found || typeof found !== 'object' || chain.includes(found)) return;
      const entry = found as { cause?: unknown; originalError?: unknown; errors?: unknown };
      chain.push(entry as (typeof chain)[number]);
      walk(entry.cause);
      walk(entry.originalError);
      if (Array.isArray(entry.errors)) entry.errors.forEach(walk);
    };
    walk(error);
    const typed = chain.find((entry) => typeof entry.type === 'string');
    if (typed) return String(typed.type);
    for (const entry of chain)
      for (const [type, pattern] of AUTHORIZATION_MESSAGES)
        if (pattern.test(String(entry.message))) return type;
    // Otherwise the innermost error: a connection refused or closed, a failed authentication.
    return String(chain[chain.length - 1]?.name ?? error);
  }
}

async function withAdmin<T>(
  kafka: Kafka,
  work: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  try {
    // Inside the try: a refused connect leaves its socket open unless disconnected.
    await admin.connect();
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Produces one message with an idempotent producer, as the hub's EventPublisher does. */
async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 1 }, // kafkajs refuses an idempotent producer without retries
  });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'probe', value: 'not from the hub' }] });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Joins a consumer group and waits for the first fetch (or the failure). kafkajs reports a group
 * the broker refuses as "group coordinator not found" and keeps the broker's answer in its debug
 * log: it is taken from there.
 */
async function consume(
  brokers: string[],
  security: KafkaSecurity,
  topic: string,
  groupId: string,
): Promise<void> {
  const refused: unknown[] = [];
  const kafka = client(brokers, security, {
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      const error = (entry.log as { error?: { type?: unknown } }).error;
      if (error && typeof error === 'object' && String(error.type).endsWith('_AUTHORIZATION_FAILED'))
        refused.push(error);
    },
  });
  const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH_START, () => resolve());
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer.run({ eachMessage: () => Promise.resolve() }).catch(reject);
    });
  } catch (error) {
    throw refused[0] ?? error;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** kcat (librdkafka) run as an outsider; resolves with its exit code and output. */
function kcat(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    execFile('kcat', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(new Error('kcat is not installed (apt-get install -y kcat; .ci/run installs it)'));
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('the Kafka channel refuses whoever it does not know, and each service gets only what it needs', () => {
  let local: LocalKafkaBroker;
  let ca: string;

  beforeAll(async () => {
    if (process.env.HUB_TEST_BROKER_MANAGED !== 'true') {
      throw new Error('this test checks the development broker: run it against it (unset KAFKA_BROKERS)');
    }
    local = localKafkaBroker()!;
    ca = fs.readFileSync(local.caFile, 'utf8');
    // The topics every service writes exist, created by the services themselves (their CREATE ACLs).
    const relay = await startRelay();
    const router = await startRouter();
    const notifier = await startNotifier();
    await Promise.all([notifier.close(), router.close(), relay.close()]);
  }, 120_000);

  describe('authentication', () => {
    it.each([
      ['the internal listener', () => INTERNAL, {}],
      ['the external listener (TLS, no SASL)', () => [`localhost:${KAFKA_EXTERNAL_PORT}`], { ssl: { ca } }],
    ])('refuses a client without credentials on %s', async (_name, brokers, security) => {
      expect(
        await refusal(() => withAdmin(client(brokers(), security as KafkaSecurity), (a) => a.listTopics())),
      ).toMatch(/^KafkaJS(ConnectionClosedError|ConnectionError|SASLAuthenticationError)$/);
    });

    it('refuses a wrong password on both listeners, and a deleted user', async () => {
      const wrong: KafkaSecurity = {
        sasl: {
          mechanism: 'scram-sha-512',
          username: SERVICE_PRINCIPALS.relay,
          password: randomBytes(18).toString('base64url'),
        },
      };
      expect(await refusal(() => withAdmin(client(INTERNAL, wrong), (a) => a.listTopics()))).toBe(
        'KafkaJSSASLAuthenticationError',
      );
      expect(
        await refusal(() =>
          withAdmin(client(local.externalBrokers, { ...wrong, ssl: { ca } }), (a) => a.listTopics()),
        ),
      ).toBe('KafkaJSSASLAuthenticationError');
      const unknown: KafkaSecurity = {
        sasl: { mechanism: 'scram-sha-512', username: `nobody-${randomUUID()}`, password: 'x'.repeat(24) },
      };
      expect(await refusal(() => withAdmin(client(INTERNAL, unknown), (a) => a.listTopics()))).toBe(
        'KafkaJSSASLAuthenticationError',
      );
    });

    it('serves an authenticated client over TLS on the external listener, for localhost and 127.0.0.1', async () => {
      for (const host of ['localhost', '127.0.0.1']) {
        const topics = await withAdmin(
          client([`${host}:${KAFKA_EXTERNAL_PORT}`], { ...local.adminSecurity, ssl: { ca } }),
          (a) => a.listTopics(),
        );
        expect(topics).toContain(TOPICS.alerts);
      }
      // A client that does not trust the hub's CA does not get that far.
      expect(
        await refusal(() =>
          withAdmin(client(local.externalBrokers, { ...local.adminSecurity, ssl: true }), (a) =>
            a.listTopics(),
          ),
        ),
      ).toMatch(/^KafkaJS(ConnectionError|ConnectionClosedError)$/);
    });

    it.each([
      ['internal', () => KAFKA_PORT],
      ['controller', () => KAFKA_CONTROLLER_PORT],
      ['external', () => KAFKA_EXTERNAL_PORT],
    ])(
      'refuses a PLAINTEXT kcat on the %s port',
      async (_name, port) => {
        const result = await kcat([
          '-b',
          `127.0.0.1:${port()}`,
          '-L',
          '-m',
          '5',
          '-X',
          'security.protocol=plaintext',
        ]);
        expect(result.code).not.toBe(0);
        expect(result.output).not.toContain(TOPICS.alerts);
        expect(result.output).toMatch(/Failed to acquire metadata|Broker transport failure|timed out/i);
      },
      40_000,
    );
  });

  describe('a service without valid credentials', () => {
    // What KafkaModule does at a service's start (Nest exits the process on a failed start, so the
    // two steps are run here as the module runs them).
    const relaySecurity = (env: Record<string, string>): KafkaSecurity => {
      // A valid signing key, so that only the Kafka settings are judged.
      const config = loadConfig(RelayConfig, {
        HUB_EVENT_SIGNING_KEY: randomBytes(32).toString('base64'),
        ...env,
      });
      return kafkaSecurity(config, {
        prefix: 'RELAY',
        username: config.RELAY_KAFKA_SASL_USERNAME,
        password: config.RELAY_KAFKA_SASL_PASSWORD,
      });
    };

    it('refuses to start without a username and password, naming the variables', () => {
      expect(() => relaySecurity({ KAFKA_BROKERS: INTERNAL[0] })).toThrow(
        /RELAY_KAFKA_SASL_USERNAME \(or KAFKA_SASL_USERNAME\): required for KAFKA_SASL_MECHANISM=scram-sha-512/,
      );
    });

    it('refuses to start when the broker refuses its password, instead of waiting for the broker', async () => {
      const security = relaySecurity({
        RELAY_KAFKA_SASL_USERNAME: SERVICE_PRINCIPALS.relay,
        RELAY_KAFKA_SASL_PASSWORD: randomBytes(18).toString('base64url'),
      });
      await expect(untilBrokersAnswer(INTERNAL, () => undefined, security)).rejects.toThrow(
        "the Kafka brokers refused the SASL credentials of 'hub-relay'",
      );
    });
  });

  describe('authorization: each service principal', () => {
    const kafkaOf = (service: HubService) => client(INTERNAL, serviceSecurity(service));

    it('the notifier cannot see or read the canonical topics; it sees its dead-letter topic only', async () => {
      const notifier = kafkaOf('notifier');
      const visible = await withAdmin(notifier, (a) => a.listTopics());
      expect(visible).toEqual([DEAD_LETTER_TOPICS.deliveries]);
      expect(
        await refusal(() => withAdmin(notifier, (a) => a.fetchTopicMetadata({ topics: [TOPICS.alerts] }))),
      ).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(
        await refusal(() =>
          consume(INTERNAL, serviceSecurity('notifier'), TOPICS.alerts, `hub-notifier-${randomUUID()}`),
        ),
      ).toMatch(/^(GROUP|TOPIC)_AUTHORIZATION_FAILED$/);
      expect(await refusal(() => produce(notifier, TOPICS.alerts))).toBe('TOPIC_AUTHORIZATION_FAILED');
    });

    it('the router reads the canonical topics in its own groups only, and cannot write them', async () => {
      const router = kafkaOf('router');
      expect(
        await refusal(() =>
          consume(INTERNAL, serviceSecurity('router'), TOPICS.alerts, `hub-router-probe-${randomUUID()}`),
        ),
      ).toBe('ALLOWED');
      expect(
        await refusal(() =>
          consume(INTERNAL, serviceSecurity('router'), TOPICS.alerts, `someone-else-${randomUUID()}`),
        ),
      ).toBe('GROUP_AUTHORIZATION_FAILED');
      expect(await refusal(() => produce(router, TOPICS.alerts))).toBe('TOPIC_AUTHORIZATION_FAILED');
      expect(await refusal(() => produce(router, TOPICS.seizures))).toBe('TOPIC_AUTHORIZATION_FAILED');
      // What it may write it proves in every end-to-end suite: nothing is written here but refused.
      expect(await withAdmin(router, (a) => a.listTopics())).toEqual(
        expect.arrayContaining([regionalTopic('europe'), DEAD_LETTER_TOPICS.router, TOPICS.alerts]),
      );
      expect(await refusal(() => produce(router, DEAD_LETTER_TOPICS.deliveries))).toBe(
        'TOPIC_AUTHORIZATION_FAILED',
      );
    }, 60_000);

    it('the relay sees the topics it writes only (canonical, operations), and cannot read them or write a regional topic', async () => {
      const relay = kafkaOf('relay');
      expect((await withAdmin(relay, (a) => a.listTopics())).sort()).toEqual(
        [TOPICS.alerts, TOPICS.seizures, OPERATIONS_TOPIC].sort(),
      );
      expect(
        await refusal(() =>
          consume(INTERNAL, serviceSecurity('relay'), TOPICS.alerts, `hub-router-${randomUUID()}`),
        ),
      ).toMatch(/^(GROUP|TOPIC)_AUTHORIZATION_FAILED$/);
      expect(await refusal(() => produce(relay, regionalTopic('europe')))).toBe('TOPIC_AUTHORIZATION_FAILED');
    });

    it('the gateway sees the cluster (its health check) and nothing else', async () => {
      const gateway = kafkaOf('gateway');
      const cluster = await withAdmin(gateway, (a) => a.describeCluster());
      expect(cluster.brokers.length).toBeGreaterThan(0);
      expect(await withAdmin(gateway, (a) => a.listTopics())).toEqual([]);
      expect(
        await refusal(() =>
          consume(
            INTERNAL,
            serviceSecurity('gateway'),
            regionalTopic('europe'),
            `hub-router-${randomUUID()}`,
          ),
        ),
      ).toMatch(/^(GROUP|TOPIC)_AUTHORIZATION_FAILED$/);
      // Refused before the topic: not even an idempotent producer id (IDEMPOTENT_WRITE on the cluster).
      expect(await refusal(() => produce(gateway, TOPICS.alerts))).toBe('CLUSTER_AUTHORIZATION_FAILED');
    });

    it.each(HUB_SERVICES)(
      '%s cannot create or delete other topics, nor grant itself ACLs',
      async (service) => {
        const kafka = kafkaOf(service);
        const forged = `hub.forged.${randomUUID().slice(0, 8)}.v1`;
        expect(
          await refusal(() =>
            withAdmin(kafka, (a) =>
              a.createTopics({ topics: [{ topic: forged, numPartitions: 1, replicationFactor: 1 }] }),
            ),
          ),
        ).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(
          await refusal(() => withAdmin(kafka, (a) => a.deleteTopics({ topics: [TOPICS.alerts] }))),
        ).toBe('TOPIC_AUTHORIZATION_FAILED');
        expect(
          await refusal(() =>
            withAdmin(kafka, (a) =>
              a.createAcls({
                acl: [
                  {
                    resourceType: 2, // TOPIC
                    resourceName: TOPICS.alerts,
                    resourcePatternType: 3, // LITERAL
                    principal: `User:${SERVICE_PRINCIPALS[service]}`,
                    host: '*',
                    operation: 2, // ALL
                    permissionType: 3, // ALLOW
                  },
                ],
              }),
            ),
          ),
        ).toBe('CLUSTER_AUTHORIZATION_FAILED');
      },
    );

    it('no topic is created by producing to it (auto-creation is off)', async () => {
      const missing = `hub.never-created.${randomUUID().slice(0, 8)}.v1`;
      const admin = testKafka();
      const producer = admin.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
      await producer.connect();
      await producer.send({ topic: missing, messages: [{ value: 'x' }] }).catch(() => undefined);
      await producer.disconnect();
      expect(await withAdmin(admin, (a) => a.listTopics())).not.toContain(missing);
    });
  });

  describe('SCRAM users managed with the Java Admin client', () => {
    let tool: ScramUserTool;
    const username = `probe-${randomUUID().slice(0, 8)}`;
    const password = randomBytes(24).toString('base64url');

    beforeAll(() => {
      // The official Java client, over the external SASL_SSL listener, trusting the development CA.
      tool = {
        classpath: local.adminClasspath,
        brokers: local.externalBrokers,
        security: { ...local.adminSecurity, ssl: { ca } },
      };
    });

    afterAll(async () => {
      await deleteScramUser(tool, username).catch(() => undefined);
    });

    it('creates a user that can connect (and see nothing without ACLs), lists it, and deletes it', async () => {
      await upsertScramUser(tool, username, password);
      expect(await listScramUsers(tool)).toEqual(
        expect.arrayContaining([username, SERVICE_PRINCIPALS.router]),
      );
      const user = client(
        local.externalBrokers,
        { sasl: { mechanism: 'scram-sha-512', username, password }, ssl: { ca } },
        {
          retry: { retries: 0 },
        },
      );
      expect(await withAdmin(user, (a) => a.listTopics())).toEqual([]);

      // An open session, then the deletion: new connections fail at once, the open one within the bound.
      const session = user.admin();
      await session.connect();
      try {
        await session.describeCluster();
        expect(await deleteScramUser(tool, username)).toBe(true);
        const deleted = Date.now();
        expect(await refusal(() => withAdmin(user, (a) => a.listTopics()))).toBe(
          'KafkaJSSASLAuthenticationError',
        );
        await expectEventually(
          async () => {
            expect(await refusal(() => session.describeCluster())).not.toBe('ALLOWED');
          },
          KAFKA_REAUTH_MS + 15_000,
          1000,
        );
        const cutAfter = Date.now() - deleted;
        process.stdout.write(
          `[kafka-security] open session of a deleted user cut after ${(cutAfter / 1000).toFixed(1)} s\n`,
        );
        expect(cutAfter).toBeLessThanOrEqual(KAFKA_REAUTH_MS + 15_000);
        expect(await listScramUsers(tool)).not.toContain(username);
        expect(await deleteScramUser(tool, username)).toBe(false);
      } finally {
        await session.disconnect().catch(() => undefined);
      }
    }, 180_000);
  });
});
