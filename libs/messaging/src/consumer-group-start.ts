import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import { waitForLeaders } from './topic-provisioning';

/** The admin calls a group start uses: a short-lived client, connected here. */
type AdminSource = Pick<Kafka, 'admin'>;

async function withAdmin<T>(kafka: AdminSource, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export interface AwaitTopicsOptions {
  /** Told once, when the first look finds topics missing (say why the consumer is not up yet). */
  onMissing?: (missing: string[]) => void;
  /** The pause between two looks. */
  intervalMs?: number;
}

/**
 * Waits, without a deadline, until another service has created these topics and every partition
 * has a leader. A reader must not subscribe before: the broker would auto-create the topics with
 * one partition, for good (a cold start launches every service at once).
 */
export async function awaitTopics(
  kafka: AdminSource,
  topics: readonly string[],
  options: AwaitTopicsOptions = {},
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    for (let attempt = 0; ; attempt++) {
      // listTopics asks for every topic's metadata by name of none: it creates nothing.
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length === 0) break;
      if (attempt === 0) options.onMissing?.(missing);
      await sleep(options.intervalMs ?? 250);
    }
    // Listed is not yet led: offsets can be read once every partition has a leader.
    await waitForLeaders(admin, topics);
  });
}

/**
 * A new group that starts "from now" commits the current end of every partition before anyone
 * consumes: otherwise a partition that one member never read would start at whatever "latest" is
 * when another member takes it over, skipping what came in between. A group with any committed
 * offset is left as it is.
 */
export async function startGroupAtEnd(
  kafka: AdminSource,
  groupId: string,
  topics: readonly string[],
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    for (const topic of topics) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed?.partitions.some((partition) => partition.offset !== '-1')) continue;
      const ends = await admin.fetchTopicOffsets(topic);
      try {
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map((partition) => ({ partition: partition.partition, offset: partition.high })),
        });
      } catch (error) {
        // Members started together: another one set the group's start and joined first (a member
        // joins only after doing this for every topic), and Kafka refuses setOffsets on a running group.
        if (error instanceof Error && /no running instances/.test(error.message)) return;
        throw error;
      }
    }
  });
}
