/**
 * A RILO node reading its regional stream with the credentials the hub issues, with the official
 * Java client and with kafkajs, over the brokers' external SASL_SSL listener: it reads what it may,
 * is refused everything else, and loses access when the credential is revoked.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { routed, sampleAlert } from './support/fixtures';
import { ADMIN_TOKEN, type TestOrganization, withDatabase } from './support/hub-harness';
import { memberOf, riloFor, startHub, type TestHub } from './support/hub-context';
import {
  type IssuedStreamCredential,
  javaProperties,
  kafkajsFailure,
  riloKafka,
  runJavaRilo,
} from './support/rilo-clients';
import { deleteScramUser, type ScramUserTool } from '@hub/messaging';
import { KAFKA_REAUTH_MS } from '../apps/launcher/src/kafka-broker';

const READ_WITHIN_MS = 10_000;

/** `promise`, or a failure naming `what` after `ms` (the timer cleared either way). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The SCRAM tool as the gateway runs it: the stream admin on the internal listener. */
function streamAdminScramTool(): ScramUserTool {
  return {
    classpath: process.env.KAFKA_ADMIN_CLASSPATH!,
    brokers: process.env.KAFKA_BROKERS!.split(','),
    security: {
      sasl: {
        mechanism: 'scram-sha-512',
        username: process.env.STREAM_ADMIN_KAFKA_SASL_USERNAME!,
        password: process.env.STREAM_ADMIN_KAFKA_SASL_PASSWORD!,
      },
    },
  };
}
const INTERNAL_TOPICS = [
  'hub.alerts.v1',
  'hub.seizures.v1',
  'hub.router.dead-letter.v1',
  'hub.deliveries.dead-letter.v1',
];

describe('a RILO node on its regional stream (Java client and kafkajs)', () => {
  let hub: TestHub;
  let member: TestOrganization;
  let rilo: TestOrganization;
  const opened: Consumer[] = [];
  const measured: string[] = [];

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router'] });
    ({ member, rilo } = await hub.organizations({ member: memberOf('FR'), rilo: riloFor('europe') }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(opened.map((consumer) => consumer.disconnect().catch(() => undefined)));
    await hub?.close();
    if (measured.length) process.stdout.write(`[rilo stream] ${measured.join('; ')}\n`);
  });

  async function issue(organization: TestOrganization): Promise<IssuedStreamCredential> {
    const issued = await hub.api<IssuedStreamCredential>(
      'POST',
      `/v1/admin/organizations/${organization.code}/stream-credentials`,
      { key: ADMIN_TOKEN },
    );
    expect(issued.status).toBe(201);
    return issued.body;
  }

  async function revoke(organization: TestOrganization, username: string): Promise<void> {
    const revoked = await hub.api(
      'DELETE',
      `/v1/admin/organizations/${organization.code}/stream-credentials/${username}`,
      { key: ADMIN_TOKEN },
    );
    expect(revoked.status).toBe(204);
  }

  /** A `members` alert from France to Germany: it concerns europe only, so it goes on hub.region.europe.v1. */
  async function postEuropeanMembersAlert(): Promise<{ id: string; acknowledgedAt: number }> {
    const created = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: member.apiKey,
      body: sampleAlert({
        title: `For the RILO ${randomUUID()}`,
        ...routed('FR', 'DE'),
        entities: [],
        handling: 'members',
      }),
    });
    expect(created.status).toBe(201);
    return { id: created.body.id, acknowledgedAt: Date.now() };
  }

  /** A kafkajs consumer in `group` on `topic`; resolves once it has partitions, with the subjects it reads and its crash. */
  async function kafkajsConsumer(credential: IssuedStreamCredential, topic: string, group: string) {
    const consumer = riloKafka(credential).consumer({
      groupId: group,
      retry: { retries: 0, restartOnFailure: () => Promise.resolve(false) },
    });
    opened.push(consumer);
    const subjects = new Map<string, number>();
    let crash: { at: number; failure: string } | undefined;
    const crashed = new Promise<{ at: number; failure: string }>((resolve) =>
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        crash ??= { at: Date.now(), failure: kafkajsFailure(payload.error) };
        resolve(crash);
      }),
    );
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachMessage: ({ message }) => {
        const subject = message.headers?.ce_subject?.toString();
        if (subject && !subjects.has(subject)) subjects.set(subject, Date.now());
        return Promise.resolve();
      },
    });
    return { consumer, subjects, crashed, joined, crash: () => crash };
  }

  /** What kafkajs gets trying `work` with a fresh client: its outcome, or the failure's Kafka error name. */
  async function kafkajsRefusal(work: () => Promise<unknown>): Promise<string> {
    try {
      const outcome = await work();
      return typeof outcome === 'string' ? outcome : 'allowed';
    } catch (error) {
      return kafkajsFailure(error);
    }
  }

  it('issues a credential for the region topic and its own groups, showing the password once and storing none of it', async () => {
    const credential = await issue(rilo);
    expect(credential).toEqual({
      username: expect.stringMatching(new RegExp(`^stream-${rilo.code}-[a-z0-9]{10}$`)) as string,
      password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as string,
      mechanism: 'SCRAM-SHA-512',
      bootstrapServers: (process.env.KAFKA_EXTERNAL_BOOTSTRAP ?? '').split(','),
      securityProtocol: 'SASL_SSL',
      topics: ['hub.region.europe.v1'],
      groupPrefix: `${rilo.code}.`,
      caCertificate: expect.stringContaining('-----BEGIN CERTIFICATE-----') as string,
      createdAt: expect.any(String) as string,
      createdBy: 'operator:bootstrap',
      revokedAt: null,
      revokedBy: null,
    });
    const listed = await hub.api<Record<string, unknown>[]>(
      'GET',
      `/v1/admin/organizations/${rilo.code}/stream-credentials`,
      { key: ADMIN_TOKEN },
    );
    expect(listed.body).toEqual([
      expect.objectContaining({ username: credential.username, revokedAt: null }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(credential.password);
    // Neither the metadata nor the audit entry holds the password, in any form the database prints.
    await withDatabase(async (db) => {
      const stored = await db.query('SELECT s::text AS row FROM stream_credentials s WHERE username = $1', [
        credential.username,
      ]);
      expect(stored.rows).toHaveLength(1);
      const audit = await db.query(
        "SELECT a::text AS row FROM audit_events a WHERE action = 'stream-credential.issued' AND resource_id = $1",
        [credential.username],
      );
      expect(audit.rows).toHaveLength(1);
      for (const row of [...stored.rows, ...audit.rows])
        expect(String(row.row)).not.toContain(credential.password);
    });
  });

  it('reads the members alert just posted on its region topic within 10 s, and commits offsets in its own group (Java client and kafkajs)', async () => {
    const credential = await issue(rilo);
    const java = runJavaRilo(javaProperties(credential), [
      'consume',
      'hub.region.europe.v1',
      `${rilo.code}.java`,
      '90',
    ]);
    const js = await kafkajsConsumer(credential, 'hub.region.europe.v1', `${rilo.code}.kafkajs`);
    try {
      await java.waitFor((line) => line.type === 'assigned', 60_000);
      await js.joined;
      const alert = await postEuropeanMembersAlert();
      const javaRead = await java.waitFor(
        (line) => line.type === 'record' && line.headers?.ce_subject === alert.id,
        READ_WITHIN_MS,
      );
      expect(javaRead.headers).toMatchObject({ ce_type: 'alert.published', ce_handling: 'members' });
      await java.waitFor((line) => line.type === 'committed' && line.at >= javaRead.at, 5000);
      const deadline = alert.acknowledgedAt + READ_WITHIN_MS;
      while (!js.subjects.has(alert.id) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(js.subjects.has(alert.id)).toBe(true);
      measured.push(
        `members alert read ${javaRead.at - alert.acknowledgedAt} ms (Java) / ${js.subjects.get(alert.id)! - alert.acknowledgedAt} ms (kafkajs) after its 201`,
      );
      expect(js.crash()).toBeUndefined();
    } finally {
      java.stop();
      await js.consumer.disconnect();
    }
  }, 120_000);

  it('refuses the same credentials on other topics, on groups outside its prefix, for producing, and with a wrong password (Java client)', async () => {
    const credential = await issue(rilo);
    const group = (name: string): string => `${rilo.code}.${name}-${randomUUID().slice(0, 6)}`;
    const attempts: Record<string, string> = {
      'its own topic, in its own group': `consume:hub.region.europe.v1:${group('own')}`,
      'another region': `consume:hub.region.asia-pacific.v1:${group('other')}`,
      ...Object.fromEntries(INTERNAL_TOPICS.map((topic) => [topic, `consume:${topic}:${group('internal')}`])),
      'a group outside its prefix': `consume:hub.region.europe.v1:not-${rilo.code}.group`,
      "another organization's group": `consume:hub.region.europe.v1:${member.code}.group`,
      'producing on its own topic': 'produce:hub.region.europe.v1',
      'producing on hub.alerts.v1': 'produce:hub.alerts.v1',
    };
    // One JVM tries them all in turn (a JVM each would take minutes on a busy machine).
    const probe = runJavaRilo(javaProperties(credential), ['probe', ...Object.values(attempts)]);
    const wrongPassword = runJavaRilo(
      javaProperties({ ...credential, password: `${credential.password.slice(0, -1)}x` }),
      ['probe', `consume:hub.region.europe.v1:${group('wrong')}`],
    );
    await Promise.all([
      probe.waitFor((line) => line.type === 'end', 240_000),
      wrongPassword.waitFor((line) => line.type === 'end', 240_000),
    ]);
    const outcomeOf = (run: typeof probe, attempt: string): string | undefined =>
      run.lines.find((line) => line.type === 'probe' && line.attempt === attempt)?.outcome;
    expect({
      ...Object.fromEntries(
        Object.entries(attempts).map(([what, attempt]) => [what, outcomeOf(probe, attempt)]),
      ),
      'a wrong password': wrongPassword.lines.find((line) => line.type === 'probe')?.outcome,
    }).toEqual({
      'its own topic, in its own group': 'allowed',
      'another region': 'TopicAuthorizationException',
      ...Object.fromEntries(INTERNAL_TOPICS.map((topic) => [topic, 'TopicAuthorizationException'])),
      'a group outside its prefix': 'GroupAuthorizationException',
      "another organization's group": 'GroupAuthorizationException',
      'producing on its own topic': 'TopicAuthorizationException',
      'producing on hub.alerts.v1': 'TopicAuthorizationException',
      'a wrong password': 'SaslAuthenticationException',
    });
  }, 300_000);

  it('refuses the same credentials on other topics, on groups outside its prefix, for producing, and with a wrong password (kafkajs)', async () => {
    const credential = await issue(rilo);
    const consume = async (topic: string, group = `${rilo.code}.refused-${randomUUID().slice(0, 6)}`) => {
      // kafkajs reports a refused FindCoordinator as "group coordinator not found": the broker's
      // own answer is in its debug log, which is where this looks for it.
      const brokerErrors: string[] = [];
      const consumer = riloKafka(credential, credential.password, (entry) => {
        const type = (entry.log as { error?: { type?: unknown } }).error?.type;
        if (typeof type === 'string') brokerErrors.push(type);
      }).consumer({ groupId: group, retry: { retries: 0 } });
      opened.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      // Subscribing only records the topic; joining the group and fetching is where the broker decides.
      const failure = new Promise<string>((resolve) =>
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          const failed = kafkajsFailure(payload.error);
          resolve(
            failed.includes('KafkaJSGroupCoordinatorNotFound') ? (brokerErrors.at(-1) ?? failed) : failed,
          );
        }),
      );
      const joined = new Promise<string>((resolve) =>
        consumer.on(consumer.events.FETCH_START, () => resolve('allowed')),
      );
      await consumer.run({ eachMessage: () => Promise.resolve() });
      return Promise.race([failure, joined]);
    };
    const produce = (topic: string) =>
      kafkajsRefusal(async () => {
        const producer = riloKafka(credential).producer({ retry: { retries: 0 } });
        await producer.connect();
        try {
          await producer.send({ topic, messages: [{ key: 'forged', value: '{"forged":true}' }] });
        } finally {
          await producer.disconnect();
        }
      });
    const outcomes = {
      'its own topic, in its own group': await kafkajsRefusal(() => consume('hub.region.europe.v1')),
      'another region': await kafkajsRefusal(() => consume('hub.region.asia-pacific.v1')),
      ...Object.fromEntries(
        await Promise.all(
          INTERNAL_TOPICS.map(async (topic) => [topic, await kafkajsRefusal(() => consume(topic))]),
        ),
      ),
      'a group outside its prefix': await kafkajsRefusal(() =>
        consume('hub.region.europe.v1', `not-${rilo.code}.group`),
      ),
      "another organization's group": await kafkajsRefusal(() =>
        consume('hub.region.europe.v1', `${member.code}.group`),
      ),
      'producing on its own topic': await produce('hub.region.europe.v1'),
      'producing on hub.alerts.v1': await produce('hub.alerts.v1'),
      'a wrong password': await kafkajsRefusal(async () => {
        const admin = riloKafka(credential, `${credential.password.slice(0, -1)}x`).admin();
        await admin.connect();
        await admin.disconnect();
      }),
    };
    expect(outcomes).toEqual({
      'its own topic, in its own group': 'allowed',
      'another region': 'TOPIC_AUTHORIZATION_FAILED',
      ...Object.fromEntries(INTERNAL_TOPICS.map((topic) => [topic, 'TOPIC_AUTHORIZATION_FAILED'])),
      'a group outside its prefix': 'GROUP_AUTHORIZATION_FAILED',
      "another organization's group": 'GROUP_AUTHORIZATION_FAILED',
      'producing on its own topic': 'TOPIC_AUTHORIZATION_FAILED',
      'producing on hub.alerts.v1': 'TOPIC_AUTHORIZATION_FAILED',
      'a wrong password': 'KafkaJSSASLAuthenticationError',
    });
  }, 180_000);

  it('after revocation refuses new connections at once and cuts off open consumers (Java client and kafkajs)', async () => {
    const credential = await issue(rilo);
    const properties = javaProperties(credential);
    const java = runJavaRilo(properties, [
      'consume',
      'hub.region.europe.v1',
      `${rilo.code}.revoked-java`,
      '120',
    ]);
    const js = await kafkajsConsumer(credential, 'hub.region.europe.v1', `${rilo.code}.revoked-kafkajs`);
    try {
      await java.waitFor((line) => line.type === 'assigned', 60_000);
      await js.joined;
      await revoke(rilo, credential.username);
      const revokedAt = Date.now();
      const bound = KAFKA_REAUTH_MS + 5000;
      const javaCut = await java.waitFor((line) => line.type === 'error', bound);
      const jsCut = await within(js.crashed, bound, 'kafkajs consumer not cut off');
      expect([
        'TopicAuthorizationException',
        'GroupAuthorizationException',
        'SaslAuthenticationException',
      ]).toContain(javaCut.error);
      expect([
        'TOPIC_AUTHORIZATION_FAILED',
        'GROUP_AUTHORIZATION_FAILED',
        'KafkaJSSASLAuthenticationError',
      ]).toContain(jsCut.failure);
      // New connections: refused at authentication.
      const again = runJavaRilo(properties, ['consume', 'hub.region.europe.v1', `${rilo.code}.after`, '30']);
      const refused = await again.waitFor(
        (line) => line.type === 'error' || line.type === 'assigned',
        60_000,
      );
      again.stop();
      expect(refused.error).toBe('SaslAuthenticationException');
      expect(
        await kafkajsRefusal(async () => {
          const admin = riloKafka(credential).admin();
          await admin.connect();
          await admin.disconnect();
        }),
      ).toBe('KafkaJSSASLAuthenticationError');
      measured.push(
        `revocation cut off the open consumers in ${javaCut.at - revokedAt} ms (Java, ${javaCut.error}) / ${jsCut.at - revokedAt} ms (kafkajs, ${jsCut.failure})`,
      );
      const listed = await hub.api<
        { username: string; revokedAt: string | null; revokedBy: string | null }[]
      >('GET', `/v1/admin/organizations/${rilo.code}/stream-credentials`, { key: ADMIN_TOKEN });
      expect(listed.body.find((entry) => entry.username === credential.username)).toMatchObject({
        revokedAt: expect.any(String) as string,
        revokedBy: 'operator:bootstrap',
      });
    } finally {
      java.stop();
      await js.consumer.disconnect().catch(() => undefined);
    }
  }, 180_000);

  it(`ends an open session whose SCRAM credential is deleted within connections.max.reauth.ms (${KAFKA_REAUTH_MS} ms), even with its ACLs left`, async () => {
    const credential = await issue(rilo);
    const java = runJavaRilo(javaProperties(credential), [
      'consume',
      'hub.region.europe.v1',
      `${rilo.code}.reauth-java`,
      '120',
    ]);
    const js = await kafkajsConsumer(credential, 'hub.region.europe.v1', `${rilo.code}.reauth-kafkajs`);
    try {
      await java.waitFor((line) => line.type === 'assigned', 60_000);
      await js.joined;
      // The credential alone, as the broker's tool deletes it: what keeps an open session alive is its authentication.
      expect(await deleteScramUser(streamAdminScramTool(), credential.username)).toBe(true);
      const deletedAt = Date.now();
      const bound = KAFKA_REAUTH_MS + 10_000;
      const javaCut = await java.waitFor((line) => line.type === 'error', bound);
      expect(javaCut.error).toBe('SaslAuthenticationException');
      // kafkajs does not re-authenticate (no KIP-368): the broker closes the expired session at its next request.
      const jsCut = await within(js.crashed, bound, 'kafkajs session not ended');
      expect(jsCut.failure).toBe('KafkaJSSASLAuthenticationError');
      measured.push(
        `a deleted SCRAM credential ended the open sessions after ${javaCut.at - deletedAt} ms (Java) / ${jsCut.at - deletedAt} ms (kafkajs), bound ${KAFKA_REAUTH_MS} ms`,
      );
      expect(javaCut.at - deletedAt).toBeLessThanOrEqual(bound);
    } finally {
      java.stop();
      await js.consumer.disconnect().catch(() => undefined);
      await revoke(rilo, credential.username);
    }
  }, 180_000);
});
