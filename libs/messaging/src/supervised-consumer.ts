import { Logger } from '@nestjs/common';
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { Backoff } from '@hub/platform';

/** What the supervisor uses of a kafkajs consumer. */
export type SupervisableConsumer = Pick<
  Consumer,
  'connect' | 'subscribe' | 'run' | 'disconnect' | 'on' | 'events'
>;

export interface SupervisedConsumerOptions {
  /** For logs and health: the service's name for this consumer. */
  name: string;
  groupId: string;
  topics: readonly string[];
  fromBeginning: boolean;
  /** The domain step: handles one batch, resolving its offsets itself. */
  eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /**
   * Batches of different partitions handled at once (kafkajs' partitionsConsumedConcurrently; 1
   * by default): a partition's own batches still run one after the other, in order.
   */
  partitionsConcurrently?: number;
  /**
   * The least time between two commits of the offsets the handler resolved (kafkajs'
   * autoCommitInterval); by default every `commitOffsetsIfNecessary` commits. A longer interval
   * saves a broker round trip per batch; a crash repeats the batches handled since the last commit,
   * so the handler must be safe to repeat (at-least-once).
   */
  commitIntervalMs?: number;
  /** Consumer settings beyond the group (fetch wait, session timeout…). */
  consumer?: Omit<ConsumerConfig, 'groupId'>;
  /** The wait before a new consumer replaces a crashed one; reset by a handled batch. */
  backoff?: Backoff;
}

export interface ConsumerHealth {
  up: boolean;
  partitions: number;
  lastError: string | null;
}

/**
 * A consumer-group member that outlives crashes: kafkajs restarts a consumer itself only after a
 * retriable error; after any other crash (a group coordinator not found while the broker
 * restarts, a publication the broker refuses in the handler) it stays disconnected for good, so a
 * new consumer is started here after a backoff. Health says why it is down until it has joined.
 */
export class SupervisedConsumer {
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private consumer: SupervisableConsumer | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  /** A member being started: stop() waits for it, so that none connects after the service stopped. */
  private starting: Promise<void> | null = null;
  private stopping = false;
  private assigned = 0;
  private lastError: string | null = null;
  private markReady: () => void = () => undefined;
  /** Settles once this member has joined its group and started fetching. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly kafka:
      { consumer(config: ConsumerConfig): SupervisableConsumer } | Pick<Kafka, 'consumer'>,
    private readonly options: SupervisedConsumerOptions,
  ) {
    this.logger = new Logger(`${options.name} consumer`);
    this.backoff = options.backoff ?? new Backoff({ initialMs: 1_000, maxMs: 30_000 });
  }

  health(): ConsumerHealth {
    return {
      up: this.consumer !== null && this.lastError === null,
      partitions: this.assigned,
      lastError: this.lastError,
    };
  }

  /** Says why the consumer is not up yet (before it starts: waiting for topics, say). */
  reportWaiting(reason: string | null): void {
    this.lastError = reason;
  }

  async start(): Promise<void> {
    const starting = this.startMember();
    this.starting = starting;
    try {
      await starting;
    } finally {
      if (this.starting === starting) this.starting = null;
    }
  }

  private async startMember(): Promise<void> {
    const consumer = this.kafka.consumer({
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
      // The topics are their writers', with their partition count: never auto-created by a reader.
      allowAutoTopicCreation: false,
      ...this.options.consumer,
      groupId: this.options.groupId,
    });
    this.consumer = consumer;
    this.watch(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: [...this.options.topics],
        fromBeginning: this.options.fromBeginning,
      });
    } catch (error) {
      // A member that failed half-way may hold connections its connect opened: close them.
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    // A replacement still connecting when the service shuts down must not start consuming after it.
    if (this.stopping) {
      await consumer.disconnect();
      return;
    }
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      ...(this.options.commitIntervalMs !== undefined
        ? { autoCommitInterval: this.options.commitIntervalMs }
        : {}),
      eachBatch: async (payload) => {
        await this.options.eachBatch(payload);
        this.lastError = null;
        this.backoff.reset();
      },
    });
  }

  /** Follows the member's life: joined (healthy), fetching (ready), crashed (replaced unless kafkajs restarts it). */
  private watch(consumer: SupervisableConsumer): void {
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      // Back in the group after a crash (a broker outage, a coordinator move): healthy again.
      this.lastError = null;
      this.assigned = Object.values(event.payload.memberAssignment).reduce(
        (sum, partitions) => sum + partitions.length,
        0,
      );
      this.logger.log({
        msg: `joined the ${this.options.name} group`,
        group: this.options.groupId,
        partitions: event.payload.memberAssignment,
      });
    });
    consumer.on(consumer.events.FETCH_START, () => this.markReady());
    consumer.on(consumer.events.CRASH, (event) => {
      this.lastError = String(event.payload.error);
      this.assigned = 0;
      if (event.payload.restart) {
        // Retriable (a coordinator still loading at a cold start, a broker restart): kafkajs restarts it.
        this.logger.warn({
          msg: `${this.options.name} consumer restarting`,
          err: this.lastError,
          restart: true,
        });
        return;
      }
      const delayMs = this.backoff.next();
      this.logger.error({
        // Named in the message itself: operators (and the recovery test) look for "<service> consumer crashed".
        msg: `${this.options.name} consumer crashed; starting a new one`,
        err: this.lastError,
        restart: false,
        inMs: delayMs,
      });
      this.replaceLater(consumer, delayMs);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    // A replacement still connecting would otherwise finish connecting after this disconnect.
    await this.starting?.catch(() => undefined);
    await this.consumer?.disconnect();
  }

  private replaceLater(crashed: SupervisableConsumer, delayMs: number): void {
    if (this.stopping || this.consumer !== crashed) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping || this.consumer !== crashed) return;
      void crashed
        .disconnect()
        .catch(() => undefined)
        .then(() => this.start())
        .catch((error: unknown) => {
          // Not even connected (the broker is still away): try again later, still unhealthy.
          this.lastError = String(error);
          this.logger.error({ msg: `${this.options.name} consumer did not start`, err: this.lastError });
          this.replaceLater(this.consumer ?? crashed, this.backoff.next());
        });
    }, delayMs);
  }
}
