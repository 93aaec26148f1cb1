import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Milliseconds; -1 keeps every event. */
  retentionMs: number;
  replicationFactor?: number;
}

/**
 * Creates the topics the hub writes to when they do not exist yet. Existing
 * topics are left as they are: their partition count is part of their contract.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  replicationFactor = 1,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return [];
  const topics: ITopicConfig[] = missing.map((spec) => ({
    topic: spec.topic,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor ?? replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(spec.retentionMs) },
      { name: 'cleanup.policy', value: 'delete' },
    ],
  }));
  await admin.createTopics({ topics, waitForLeaders: true });
  return missing.map((spec) => spec.topic);
}
