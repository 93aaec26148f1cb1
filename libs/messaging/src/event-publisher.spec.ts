import type { Kafka, Producer, ProducerBatch, ProducerConfig, RecordMetadata } from 'kafkajs';
import { EventPublisher, PublicationIncomplete } from './event-publisher';

const PARTITIONS = 6;

/**
 * A stand-in for kafkajs' producers: counts what is connected, fails a connect when told to, places
 * each message with the producer's partitioner as kafkajs does, and acknowledges the partitions
 * `acknowledges` keeps (all of them unless told otherwise).
 */
function standInKafka(
  failConnects = 0,
  acknowledges: (acks: RecordMetadata[]) => RecordMetadata[] = (acks) => acks,
) {
  const made: { connected: boolean; sent: number; mostAtOnce: number; batches: string[][] }[] = [];
  let failures = failConnects;
  const kafka = {
    producer: (config: ProducerConfig) => {
      const partitioner = config.createPartitioner!();
      const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 1,
        replicas: [1],
        isr: [1],
      }));
      const state = { connected: false, sent: 0, mostAtOnce: 0, batches: [] as string[][] };
      let onTheWire = 0;
      made.push(state);
      const producer = {
        connect: async () => {
          await new Promise((resolve) => setImmediate(resolve));
          // A connect that fails half-way may have opened connections: still "connected" until closed.
          state.connected = true;
          if (failures > 0) {
            failures -= 1;
            throw new Error('broker not available');
          }
        },
        disconnect: () => {
          state.connected = false;
          return Promise.resolve();
        },
        sendBatch: async ({ topicMessages = [] }: ProducerBatch) => {
          state.sent += 1;
          onTheWire += 1;
          state.mostAtOnce = Math.max(state.mostAtOnce, onTheWire);
          const acks = new Map<string, RecordMetadata>();
          const keys: string[] = [];
          for (const { topic, messages } of topicMessages)
            for (const message of messages) {
              const partition = partitioner({ topic, partitionMetadata, message });
              acks.set(`${topic}:${partition}`, { topicName: topic, partition, errorCode: 0 });
              keys.push(String(message.key));
            }
          state.batches.push(keys);
          // The broker's answer comes a turn later: publishes made meanwhile find the send on its way.
          await new Promise((resolve) => setImmediate(resolve));
          onTheWire -= 1;
          return acknowledges([...acks.values()]);
        },
      };
      return producer as unknown as Producer;
    },
  };
  return { kafka: kafka as unknown as Kafka, made };
}

const message = { topic: 'hub.region.europe.v1', key: 'r', value: '{}', headers: {} };

describe('EventPublisher', () => {
  it('makes one producer for publishes racing for the first connection', async () => {
    const { kafka, made } = standInKafka();
    const publisher = new EventPublisher(kafka);
    await Promise.all([publisher.publish([message]), publisher.publish([message]), publisher.connect()]);
    expect(made).toHaveLength(1);
    expect(made[0].sent).toBe(2);
    await publisher.disconnect();
    expect(made[0].connected).toBe(false);
  });

  it('closes a producer whose connect failed, and connects anew at the next publish', async () => {
    const { kafka, made } = standInKafka(1);
    const publisher = new EventPublisher(kafka);
    await expect(publisher.publish([message])).rejects.toThrow('broker not available');
    expect(made[0].connected).toBe(false);
    await publisher.publish([message]);
    expect(made).toHaveLength(2);
    expect(made[1].sent).toBe(1);
  });

  it('fails a batch that kafkajs resolved without acknowledging some of its partitions', async () => {
    // kafkajs 2.2.4 does this when a partition's leader dies mid-send and the partition moves to a
    // broker that had already answered (tulios/kafkajs#1303): the batch must not count as published.
    const { kafka } = standInKafka(0, (acks) => acks.slice(1));
    const publisher = new EventPublisher(kafka);
    const batch = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'].map((key) => ({ ...message, key }));
    const failure = await publisher.publish(batch).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PublicationIncomplete);
    expect((failure as PublicationIncomplete).unacknowledged).toHaveLength(1);
    expect((failure as PublicationIncomplete).unacknowledged[0]).toMatch(/^hub\.region\.europe\.v1\[\d\]$/);
  });

  it('fails a batch with a partition answered by an error code', async () => {
    const { kafka } = standInKafka(0, (acks) => acks.map((ack) => ({ ...ack, errorCode: 6 })));
    await expect(new EventPublisher(kafka).publish([message])).rejects.toBeInstanceOf(PublicationIncomplete);
  });

  it('answers the acknowledgements of a batch acknowledged in full', async () => {
    const { kafka } = standInKafka();
    const batch = ['r1', 'r2', 'r3'].map((key) => ({ ...message, key }));
    const acks = await new EventPublisher(kafka).publish(batch);
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((ack) => ack.topicName === message.topic && ack.errorCode === 0)).toBe(true);
  });

  it('never has two sends on their way: publishes made meanwhile go together, in order, as the next send', async () => {
    const { kafka, made } = standInKafka();
    const publisher = new EventPublisher(kafka);
    await publisher.connect();
    const keyed = (...keys: string[]) => keys.map((key) => ({ ...message, key }));
    await Promise.all([
      publisher.publish(keyed('a1', 'a2')),
      publisher.publish(keyed('b1')),
      publisher.publish(keyed('c1', 'c2')),
    ]);
    expect(made[0].mostAtOnce).toBe(1);
    expect(made[0].batches).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2'],
    ]);
  });

  it('fails every publish that went in a send the broker did not fully acknowledge', async () => {
    const { kafka } = standInKafka(0, (acks) => acks.slice(1));
    const publisher = new EventPublisher(kafka, { maxMergedPublishes: 2 });
    await publisher.connect();
    const keys = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
    const outcomes = await Promise.allSettled(
      keys.map((key) => publisher.publish(keys.map((other) => ({ ...message, key: `${key}-${other}` })))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(keys.map(() => 'rejected'));
  });

  it('closes a producer still connecting when it is reset', async () => {
    const { kafka, made } = standInKafka();
    const publisher = new EventPublisher(kafka);
    const connecting = publisher.connect();
    await publisher.reset();
    await connecting;
    expect(made).toHaveLength(1);
    expect(made[0].connected).toBe(false);
  });
});
