import type { Kafka } from 'kafkajs';

/** Asks the cluster for its brokers over a short-lived admin connection. */
export async function kafkaClusterState(kafka: Kafka): Promise<{ up: boolean; detail?: string }> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return {
      up: cluster.brokers.length > 0,
      detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}`,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
