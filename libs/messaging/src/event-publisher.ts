import type { Kafka, Message, Producer, RecordMetadata } from 'kafkajs';
import { CompressionTypes } from 'kafkajs';

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer | string;
  headers: Record<string, string>;
}

/**
 * The hub's only way onto Kafka: an idempotent producer with acks=all and one
 * request in flight, so the broker drops retried duplicates and every key keeps
 * its order.
 */
export class EventPublisher {
  /**
   * The producer's session, connecting or connected: shared, so that publishes racing for the
   * first connection make one producer (a second would be connected, overwritten and never closed).
   */
  private session: Promise<Producer> | null = null;

  constructor(private readonly kafka: Kafka) {}

  async connect(): Promise<void> {
    await this.producer();
  }

  /** Sends a batch; resolves once every message is acknowledged by all in-sync replicas. */
  async publish(messages: readonly OutgoingMessage[]): Promise<RecordMetadata[]> {
    const producer = await this.producer();
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(message.topic, list);
    }
    return producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
    });
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
