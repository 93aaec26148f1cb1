import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { ensureTopics, kafkajsSecurity } from '@hub/messaging';
import type { BenchEnvironment } from './bench-environment';

/** A plain kafkajs client for baselines and for filling or reading topics around the hub. */
export function benchKafka(environment: BenchEnvironment, purpose: string): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId: `bench-${purpose}-${randomUUID().slice(0, 6)}`,
    brokers: environment.brokers,
    ...kafkajsSecurity(environment.kafkaSecurity),
    logLevel: logLevel.NOTHING,
  });
}

/** Creates topics that do not exist yet (kept across runs, as the hub's own topics are); returns those it created. */
export async function ensureBenchTopics(
  kafka: Kafka,
  topics: readonly { topic: string; partitions: number }[],
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(
      admin,
      topics.map((topic) => ({ ...topic, retentionMs: 24 * 3600 * 1000 })),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Produces messages in batches with an idempotent, acks=all producer (how the hub itself writes). */
export async function produceAll(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
  batchSize = 500,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += batchSize) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + batchSize) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Sum of the high-water marks of a topic's partitions (messages ever written). */
export async function topicEnd(kafka: Kafka, topic: string): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + BigInt(partition.high), 0n);
  } finally {
    await admin.disconnect();
  }
}
