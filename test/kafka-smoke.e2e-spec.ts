/**
 * Smoke test: kafkajs 2.2.4 against the pinned Apache Kafka broker (KAFKA_VERSION, single-node KRaft).
 * Proves admin topic creation, an idempotent producer (acks=-1), a consumer group that joins,
 * receives and commits, the committed offset seen by admin fetchOffsets, and a second member of
 * the same group resuming after the committed offset.
 */
import { randomUUID } from 'node:crypto';
import {
  type Kafka,
  Partitioners,
  type Admin,
  type Consumer,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { ensureKafkaBroker, KAFKA_VERSION } from '../apps/launcher/src/kafka-broker';
import { testKafka } from './support/hub-harness';

const RUN = `${Date.now()}-${randomUUID().slice(0, 8)}`;
const TOPIC = `hub.smoke.${RUN}`;
const GROUP = `hub-smoke-${RUN}`;
const FIRST_BATCH = 10;
const SECOND_BATCH = 5;
const RECEIVE_TIMEOUT_MS = 60_000;

interface Received {
  offset: string;
  key: string | null;
  value: string | null;
  partition: number;
}

const payload = (i: number) => JSON.stringify({ kind: 'smoke', run: RUN, seq: i });
const toReceived = (partition: number, m: KafkaMessage): Received => ({
  partition,
  offset: m.offset,
  key: m.key?.toString() ?? null,
  value: m.value?.toString() ?? null,
});

/** Runs a consumer until `count` messages arrived (or fails after RECEIVE_TIMEOUT_MS). */
async function receive(consumer: Consumer, count: number, autoCommit: boolean): Promise<Received[]> {
  const received: Received[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    autoCommit,
    eachMessage: ({ partition, message }) => {
      received.push(toReceived(partition, message));
      if (received.length >= count) done();
      return Promise.resolve();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`received ${received.length}/${count} messages in ${RECEIVE_TIMEOUT_MS} ms`)),
      RECEIVE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([enough, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return received;
}

describe(`kafkajs 2.2.4 against Apache Kafka ${KAFKA_VERSION} (KRaft)`, () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  let firstReceived: Received[] = [];

  beforeAll(async () => {
    await ensureKafkaBroker({ log: (line) => void process.stdout.write(`${line}\n`) });
    // As the bootstrap admin (the development broker allows nothing without an ACL).
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await producer?.disconnect().catch(() => undefined);
    if (admin) {
      await admin.deleteGroups([GROUP]).catch(() => undefined);
      await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('answers metadata and creates a topic with the admin client', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.controller).not.toBeNull();
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const created = await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(TOPIC);
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    expect(topics).toHaveLength(1);
    expect(topics[0].partitions).toHaveLength(1);
    expect(topics[0].partitions[0].leader).toBeGreaterThanOrEqual(0);
  });

  it('produces with an idempotent producer (acks=-1, one request in flight)', async () => {
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const messages = Array.from({ length: FIRST_BATCH }, (_, i) => ({ key: `k${i}`, value: payload(i) }));
    // Two sends: the second batch carries producer sequence numbers > 0, which the broker must accept.
    const first = await producer.send({ topic: TOPIC, acks: -1, messages: messages.slice(0, 4) });
    const second = await producer.send({ topic: TOPIC, acks: -1, messages: messages.slice(4) });
    expect(first).toEqual([
      expect.objectContaining({ topicName: TOPIC, partition: 0, errorCode: 0, baseOffset: '0' }),
    ]);
    expect(second).toEqual([
      expect.objectContaining({ topicName: TOPIC, partition: 0, errorCode: 0, baseOffset: '4' }),
    ]);

    const offsets = await admin.fetchTopicOffsets(TOPIC);
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, low: '0', high: String(FIRST_BATCH) })]);
  });

  it('consumes the messages back with a consumer group, which joins and commits offsets', async () => {
    const consumer = kafka.consumer({
      groupId: GROUP,
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    consumers.push(consumer);
    const joins: { groupId: string; memberId: string; isLeader: boolean }[] = [];
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload));
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });

    firstReceived = await receive(consumer, FIRST_BATCH, false);

    expect(joins).toEqual([expect.objectContaining({ groupId: GROUP, isLeader: true })]);
    expect(joins[0].memberId).toBeTruthy();
    expect(firstReceived.map((r) => r.offset)).toEqual(
      Array.from({ length: FIRST_BATCH }, (_, i) => String(i)),
    );
    expect(firstReceived.map((r) => r.key)).toEqual(Array.from({ length: FIRST_BATCH }, (_, i) => `k${i}`));
    expect(firstReceived.map((r) => r.value)).toEqual(
      Array.from({ length: FIRST_BATCH }, (_, i) => payload(i)),
    );

    const described = await admin.describeGroups([GROUP]);
    expect(described.groups).toEqual([
      expect.objectContaining({ groupId: GROUP, state: 'Stable', protocolType: 'consumer' }),
    ]);
    expect(described.groups[0].members.map((m) => m.memberId)).toEqual([joins[0].memberId]);

    // Commit what was consumed: the next offset to read is last consumed + 1.
    const next = String(Number(firstReceived[firstReceived.length - 1].offset) + 1);
    await consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: next }]);
    await consumer.disconnect();
  });

  it('reports the committed offset of the group through admin fetchOffsets', async () => {
    expect(firstReceived).toHaveLength(FIRST_BATCH);
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(committed).toEqual([
      { topic: TOPIC, partitions: [expect.objectContaining({ partition: 0, offset: '10' })] },
    ]);
    expect(committed[0].partitions[0].offset).toBe(String(firstReceived.length));
  });

  it('resumes a second consumer of the same group after the committed offset', async () => {
    const more = Array.from({ length: SECOND_BATCH }, (_, j) => FIRST_BATCH + j);
    const sent = await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: more.map((i) => ({ key: `k${i}`, value: payload(i) })),
    });
    expect(sent).toEqual([expect.objectContaining({ errorCode: 0, baseOffset: String(FIRST_BATCH) })]);

    // fromBeginning would restart at offset 0 if the group had no committed offset.
    const consumer = kafka.consumer({
      groupId: GROUP,
      maxWaitTimeInMs: 250,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    const received = await receive(consumer, SECOND_BATCH, true);

    expect(received.map((r) => r.offset)).toEqual(more.map(String));
    expect(received.map((r) => r.value)).toEqual(more.map(payload));
    // Nothing before the committed offset was delivered again, even after a short grace period.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(received).toHaveLength(SECOND_BATCH);

    await consumer.disconnect(); // autoCommit commits after each processed batch
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    expect(committed[0].partitions).toEqual([
      expect.objectContaining({ partition: 0, offset: String(FIRST_BATCH + SECOND_BATCH) }),
    ]);
  });
});
