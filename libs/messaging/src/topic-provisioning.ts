import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import type { TopicSpec } from '@hub/contracts';

/**
 * How many in-sync replicas a write to a topic with this replication factor needs (with acks=all):
 * two of three, so that an acknowledged write is on two nodes and survives the loss of any one,
 * and writes go on while one node is down; a lone replica (one broker) needs only itself.
 */
export function minInsyncReplicasFor(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

/**
 * Creates the topics the hub writes to (the contracts' catalog: topicsWrittenBy) when they do not
 * exist yet. Existing topics are left as they are: their partition count is part of their contract.
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
    replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(spec.retentionMs) },
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'min.insync.replicas', value: String(minInsyncReplicasFor(replicationFactor)) },
      // Only an in-sync replica may lead: an out-of-date one would drop acknowledged records.
      { name: 'unclean.leader.election.enable', value: 'false' },
    ],
  }));
  // kafkajs waits for leaders itself but gives up when a KRaft broker answers "unknown topic"
  // for a topic it created a moment ago: the waiting is done here instead.
  await admin.createTopics({ topics, waitForLeaders: false });
  const created = missing.map((spec) => spec.topic);
  await waitForLeaders(admin, created);
  return created;
}

/** Broker answers meaning "not yet": the topic's creation has not reached the broker's metadata. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Resolves once every partition of these (existing or just created) topics has a leader. */
export async function waitForLeaders(
  admin: Admin,
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending: string;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = metadata.topics.filter((topic) =>
        topic.partitions.some((partition) => partition.leader < 0),
      );
      if (leaderless.length === 0) return;
      pending = `no leader yet for ${leaderless.map((topic) => topic.name).join(', ')}`;
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (typeof type !== 'string' || !NOT_YET.has(type)) throw error;
      pending = type;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} not ready after ${timeoutMs} ms: ${pending}`);
    await sleep(100);
  }
}

/**
 * Creates, through a short-lived admin client, the topics a service writes to and that do not
 * exist yet; answers those it created. Every service provisions its topics this way at start.
 */
export async function provisionTopics(
  kafka: Pick<Kafka, 'admin'>,
  specs: readonly TopicSpec[],
  replicationFactor = 1,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, specs, replicationFactor);
  } finally {
    await admin.disconnect();
  }
}
