import { EventEmitter } from 'node:events';
import type { ConsumerConfig, ConsumerRunConfig, EachBatchPayload } from 'kafkajs';
import { Backoff } from '@hub/platform';
import { type SupervisableConsumer, SupervisedConsumer } from './supervised-consumer';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  CRASH: 'consumer.crash',
};

/** A stand-in for one kafkajs consumer: the test plays the broker's side (join, crash). */
class StandInConsumer extends EventEmitter {
  readonly events = EVENTS;
  connected = false;
  handler: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  runConfig: ConsumerRunConfig | null = null;
  constructor(readonly config: ConsumerConfig) {
    super();
  }
  connect(): Promise<void> {
    this.connected = true;
    return Promise.resolve();
  }
  subscribe(): Promise<void> {
    return Promise.resolve();
  }
  run(
    config: ConsumerRunConfig & { eachBatch: (payload: EachBatchPayload) => Promise<void> },
  ): Promise<void> {
    this.handler = config.eachBatch;
    this.runConfig = config;
    return Promise.resolve();
  }
  disconnect(): Promise<void> {
    this.connected = false;
    return Promise.resolve();
  }
  crash(restart: boolean): void {
    this.emit(EVENTS.CRASH, { payload: { error: new Error('coordinator not available'), restart } });
  }
}

function standInKafka() {
  const made: StandInConsumer[] = [];
  return {
    made,
    kafka: {
      consumer: (config: ConsumerConfig) => {
        const consumer = new StandInConsumer(config);
        made.push(consumer);
        return consumer as unknown as SupervisableConsumer;
      },
    },
  };
}

describe('SupervisedConsumer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const options = (eachBatch = () => Promise.resolve()) => ({
    name: 'router',
    groupId: 'hub-router',
    topics: ['hub.alerts.v1'],
    fromBeginning: true,
    eachBatch,
    consumer: { maxWaitTimeInMs: 20 },
    backoff: new Backoff({ initialMs: 1_000, maxMs: 4_000, jitter: 0 }),
  });

  it('joins with the given settings, never auto-creating topics, and is up once joined', async () => {
    const { kafka, made } = standInKafka();
    const supervised = new SupervisedConsumer(kafka, options());
    await supervised.start();
    expect(made[0].config).toMatchObject({
      groupId: 'hub-router',
      maxWaitTimeInMs: 20,
      allowAutoTopicCreation: false,
    });
    // The handler resolves its offsets itself; one partition at a time unless told otherwise.
    expect(made[0].runConfig).toMatchObject({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
    });
    made[0].emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: { 'hub.alerts.v1': [0, 1, 2] } } });
    made[0].emit(EVENTS.FETCH_START, {});
    await supervised.ready;
    expect(supervised.health()).toEqual({ up: true, partitions: 3, lastError: null });
  });

  it('leaves a retriable crash to kafkajs, and replaces a consumer after a fatal one, backing off while they repeat', async () => {
    const { kafka, made } = standInKafka();
    const supervised = new SupervisedConsumer(kafka, options());
    await supervised.start();
    made[0].crash(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(made).toHaveLength(1);
    expect(supervised.health().up).toBe(false);

    made[0].crash(false);
    await jest.advanceTimersByTimeAsync(999);
    expect(made).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(2);
    expect(made[0].connected).toBe(false);

    made[1].crash(false);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(made).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(3);
  });

  it('a handled batch makes it healthy again and resets the backoff', async () => {
    const { kafka, made } = standInKafka();
    const supervised = new SupervisedConsumer(kafka, options());
    await supervised.start();
    made[0].crash(false);
    await jest.advanceTimersByTimeAsync(1_000);
    made[1].crash(false);
    await jest.advanceTimersByTimeAsync(2_000);
    await made[2].handler!({} as EachBatchPayload);
    expect(supervised.health().lastError).toBeNull();
    made[2].crash(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(made).toHaveLength(4);
  });

  it('hands batches of several partitions at once when told to', async () => {
    const { kafka, made } = standInKafka();
    await new SupervisedConsumer(kafka, { ...options(), partitionsConcurrently: 3 }).start();
    expect(made[0].runConfig).toMatchObject({ partitionsConsumedConcurrently: 3 });
  });

  it('commits offsets after every batch by default, and at most once per interval when given one', async () => {
    const { kafka, made } = standInKafka();
    await new SupervisedConsumer(kafka, options()).start();
    expect(made[0].runConfig).not.toHaveProperty('autoCommitInterval');
    await new SupervisedConsumer(kafka, { ...options(), commitIntervalMs: 1_000 }).start();
    expect(made[1].runConfig).toMatchObject({ autoCommitInterval: 1_000 });
  });

  it('starts no replacement after stop', async () => {
    const { kafka, made } = standInKafka();
    const supervised = new SupervisedConsumer(kafka, options());
    await supervised.start();
    made[0].crash(false);
    await supervised.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(made).toHaveLength(1);
  });

  it('never disconnects a member while it is still connecting (kafkajs would finish connecting after)', async () => {
    const { kafka, made } = standInKafka();
    let connected: () => void = () => undefined;
    let disconnectedWhileConnecting = false;
    const slow = {
      consumer: (config: ConsumerConfig) => {
        const consumer = kafka.consumer(config) as unknown as StandInConsumer;
        let connecting = false;
        consumer.connect = () => {
          connecting = true;
          return new Promise<void>((resolve) => {
            connected = () => {
              connecting = false;
              consumer.connected = true;
              resolve();
            };
          });
        };
        const disconnect = consumer.disconnect.bind(consumer);
        consumer.disconnect = () => {
          if (connecting) disconnectedWhileConnecting = true;
          return disconnect();
        };
        return consumer as unknown as SupervisableConsumer;
      },
    };
    const supervised = new SupervisedConsumer(slow, options());
    const starting = supervised.start();
    const stopping = supervised.stop();
    await jest.advanceTimersByTimeAsync(10);
    connected();
    await Promise.all([starting, stopping]);
    expect(disconnectedWhileConnecting).toBe(false);
    expect(made).toHaveLength(1);
    expect(made[0].connected).toBe(false);
  });

  it('disconnects a member whose subscription failed', async () => {
    const { kafka, made } = standInKafka();
    const failing = {
      consumer: (config: ConsumerConfig) => {
        const consumer = kafka.consumer(config) as unknown as StandInConsumer;
        consumer.subscribe = () => Promise.reject(new Error('topic authorization failed'));
        return consumer as unknown as SupervisableConsumer;
      },
    };
    await expect(new SupervisedConsumer(failing, options()).start()).rejects.toThrow(
      'topic authorization failed',
    );
    expect(made[0].connected).toBe(false);
  });
});
