import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { decodeKafkaMessage } from '@hub/contracts';
import { freshHubDatabase, waitFor } from '../support/bench-environment';
import { benchKafka, ensureBenchTopics, produceAll } from '../support/bench-kafka';
import { eventBatch } from '../support/outbox-fill';
import { repeat, type Scenario, summarize } from '../support/scenario';

const TOPIC = 'bench.consumers.v1';

type Mode = 'batch' | 'message';

/**
 * Reads the whole topic with a new group the way a hub consumer must: decode and validate each
 * CloudEvent, write what it learned durably, and only then let the offset be committed. In batch
 * mode (as the router does) one statement per fetched batch; per message, one statement each.
 */
async function consume(kafka: Kafka, pool: Pool, mode: Mode, count: number): Promise<number> {
  await pool.query('TRUNCATE bench_consumed');
  const consumer = kafka.consumer({
    groupId: `bench-p12-${mode}-${randomUUID().slice(0, 8)}`,
    maxWaitTimeInMs: 100,
  });
  let consumed = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const started = performance.now();
    if (mode === 'batch') {
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const ids = batch.messages.map((message) => decodeKafkaMessage(message).id);
          await pool.query(
            'INSERT INTO bench_consumed (event_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING',
            [ids],
          );
          payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
          await payload.commitOffsetsIfNecessary();
          await payload.heartbeat();
          consumed += ids.length;
        },
      });
    } else {
      await consumer.run({
        eachMessage: async ({ message }) => {
          const { id } = decodeKafkaMessage(message);
          await pool.query('INSERT INTO bench_consumed (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
          consumed += 1;
        },
      });
    }
    await waitFor(`${mode} consumption`, () => Promise.resolve(consumed >= count), 300_000, 5);
    return count / ((performance.now() - started) / 1000);
  } finally {
    await consumer.disconnect();
  }
}

export const consumers: Scenario = {
  id: 'P12',
  title: 'Consumers',
  method:
    `N real alert events (N = 20,000; 4,000 in --quick) on a 6-partition topic, read from the start by a new ` +
    'kafkajs consumer group (100 ms fetch wait, as the router) that decodes and validates each CloudEvent with the ' +
    'hub’s codec and records its id in PostgreSQL before the offset may be committed. Figure: batch consumption ' +
    '(eachBatch, one INSERT per fetched batch, offsets resolved after it, as the router works); baseline: ' +
    'per-message consumption (eachMessage, one INSERT per event). Time from the start of consumption to the last event.',
  async run(context) {
    const count = context.quick ? 4000 : 20_000;
    const databaseUrl = await freshHubDatabase(context.environment);
    const pool = new Pool({ connectionString: databaseUrl, max: 4 });
    await pool.query('CREATE TABLE bench_consumed (event_id uuid PRIMARY KEY)');
    const kafka = benchKafka(context.environment, 'p12');
    const created = await ensureBenchTopics(kafka, [{ topic: TOPIC, partitions: 6 }]);
    try {
      // A topic of exactly N events for this run: earlier runs' events would be read too. A topic
      // created a moment ago is empty, and its partitions may not take a deletion yet.
      if (!created.includes(TOPIC)) {
        const admin = kafka.admin();
        await admin.connect();
        await admin.deleteTopicRecords({
          topic: TOPIC,
          partitions: (await admin.fetchTopicOffsets(TOPIC)).map((p) => ({
            partition: p.partition,
            offset: '-1',
          })),
        });
        await admin.disconnect();
      }
      await produceAll(kafka, TOPIC, eventBatch(`p12-${Date.now()}`, count).messages);
      const runs = await repeat(
        context,
        'eachBatch vs eachMessage',
        async () => {
          const batch = await consume(kafka, pool, 'batch', count);
          const message = await consume(kafka, pool, 'message', count);
          return { figure: batch, baseline: message };
        },
        (figures) =>
          `batch ${Math.round(figures.figure)}/s, per message ${Math.round(figures.baseline ?? 0)}/s`,
      );
      return [
        summarize(
          {
            id: 'P12',
            what: 'Consumers: events consumed per second, batch consumption',
            unit: 'events/s',
            baselineLabel: 'per-message consumption',
            targets: [{ kind: 'ratio-at-least', value: 1.2 }],
          },
          runs,
          `${count.toLocaleString('en-US')} events, decode + durable write`,
        ),
      ];
    } finally {
      await pool.end();
    }
  },
};
