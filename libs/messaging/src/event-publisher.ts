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
  private producer: Producer | null = null;

  constructor(private readonly kafka: Kafka) {}

  async connect(): Promise<void> {
    if (this.producer) return;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    await producer.connect();
    this.producer = producer;
  }

  /** Sends a batch; resolves once every message is acknowledged by all in-sync replicas. */
  async publish(messages: readonly OutgoingMessage[]): Promise<RecordMetadata[]> {
    if (!this.producer) await this.connect();
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(message.topic, list);
    }
    return this.producer!.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
    });
  }

  /** Drops the producer so the next publish starts a new session (after fatal errors such as a fenced epoch). */
  async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    await this.reset();
  }
}
