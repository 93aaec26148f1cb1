import type { Kafka, Message, PartitionerArgs, Producer, RecordMetadata } from 'kafkajs';
import { CompressionTypes, Partitioners } from 'kafkajs';
import { GroupCommitWriter } from '@hub/platform';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer | string;
  headers: Record<string, string>;
}

/**
 * Thrown when kafkajs resolves a batch without an acknowledgement for some of its partitions: the
 * batch is not published and is sent again (what was acknowledged may then arrive twice).
 */
export class PublicationIncomplete extends Error {
  constructor(readonly unacknowledged: readonly string[]) {
    super(
      `Kafka acknowledged the batch without ${unacknowledged.join(', ')} (a partition leader moved during the send)`,
    );
    this.name = 'PublicationIncomplete';
  }
}

export interface EventPublisherOptions {
  /** Publishes waiting behind a send that go out together as the next one, at most (default 16). */
  maxMergedPublishes?: number;
}

/**
 * The hub's only way onto Kafka: an idempotent producer with acks=all and one
 * request in flight, so the broker drops retried duplicates and every key keeps
 * its order.
 *
 * Its sends never overlap: kafkajs numbers an idempotent producer's batches per partition when
 * it builds them, so two concurrent sends can both carry a partition's next sequence number and
 * the broker takes the second for a duplicate, acknowledged yet never written (tulios/kafkajs#1005).
 * Publishes that come while a send is on its way wait, and go together as the next send. A failed
 * send ends the producer's session for the same reason (see send()).
 */
export class EventPublisher {
  /**
   * The partition kafkajs chose for each message of a batch. kafkajs 2.2.4 retries a batch only
   * to the brokers that have not answered yet: when a leader dies mid-send and its partitions move
   * to a broker that already answered, those messages are never sent, yet the batch resolves
   * (tulios/kafkajs#1303). publish() checks every message's partition against the acknowledgements.
   */
  private readonly placed = new WeakMap<Message, number>();

  /**
   * The producer's session, connecting or connected: shared, so that publishes racing for the
   * first connection make one producer (a second would be connected, overwritten and never closed).
   */
  private session: Promise<Producer> | null = null;

  private readonly sends: GroupCommitWriter<readonly OutgoingMessage[], RecordMetadata[]>;

  constructor(
    private readonly kafka: Kafka,
    options: EventPublisherOptions = {},
  ) {
    this.sends = new GroupCommitWriter({
      write: async (publishes) => {
        const acknowledgements = await this.send(publishes.flat());
        return publishes.map(() => acknowledgements);
      },
      maxBatch: options.maxMergedPublishes ?? 16,
    });
  }

  async connect(): Promise<void> {
    await this.producer();
  }

  /**
   * Publishes a batch, in order; resolves once every message is acknowledged by all in-sync
   * replicas (with the acknowledgements of the send that carried it), and fails whole otherwise.
   */
  publish(messages: readonly OutgoingMessage[]): Promise<RecordMetadata[]> {
    return this.sends.add(messages);
  }

  private async send(messages: readonly OutgoingMessage[]): Promise<RecordMetadata[]> {
    const producer = await this.producer();
    try {
      return await this.sendWith(producer, messages);
    } catch (error) {
      // kafkajs takes back the sequence numbers of every partition of a request the broker refused
      // in part, those it wrote included: the session's next batch to such a partition would carry
      // a written batch's number, and the broker would acknowledge it as that batch's duplicate
      // without writing it. A new session (a new producer id) numbers from zero. Sends never
      // overlap, so no send goes out on the old session meanwhile.
      await this.reset();
      throw error;
    }
  }

  private async sendWith(
    producer: Producer,
    messages: readonly OutgoingMessage[],
  ): Promise<RecordMetadata[]> {
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(message.topic, list);
    }
    const acknowledgements = await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
    });
    const acknowledged = new Set(
      acknowledgements
        .filter((ack) => ack.errorCode === 0)
        .map((ack) => `${ack.topicName}[${ack.partition}]`),
    );
    const unacknowledged = new Set<string>();
    for (const [topic, list] of byTopic)
      for (const message of list) {
        const partition = `${topic}[${this.placed.get(message) ?? '?'}]`;
        if (!acknowledged.has(partition)) unacknowledged.add(partition);
      }
    if (unacknowledged.size > 0) throw new PublicationIncomplete([...unacknowledged]);
    return acknowledgements;
  }

  /** Drops the producer so the next publish starts a new session (after fatal errors such as a fenced epoch). */
  async reset(): Promise<void> {
    const session = this.session;
    this.session = null;
    const producer = await session?.catch(() => null);
    await producer?.disconnect().catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    await this.reset();
  }

  private producer(): Promise<Producer> {
    if (!this.session) {
      const session = this.open();
      this.session = session;
      // Not connected: forget this session, so that the next publish tries anew.
      session.catch(() => {
        if (this.session === session) this.session = null;
      });
    }
    return this.session;
  }

  private async open(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
      // kafkajs's default partitioner (murmur2 of the key), noting where each message goes.
      createPartitioner: () => {
        const choose = Partitioners.DefaultPartitioner();
        return (args: PartitionerArgs) => {
          const partition = choose(args);
          this.placed.set(args.message, partition);
          return partition;
        };
      },
    });
    try {
      await producer.connect();
      return producer;
    } catch (error) {
      // Close what the failed connect may have opened.
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }
}
