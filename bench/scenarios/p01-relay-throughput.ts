import { TOPICS } from '@hub/contracts';
import { performance } from 'node:perf_hooks';
import { freshHubDatabase } from '../support/bench-environment';
import { benchKafka, ensureBenchTopics } from '../support/bench-kafka';
import { HubDeployment } from '../support/hub-deployment';
import { commitToOutbox, eventBatch, outboxDrained } from '../support/outbox-fill';
import { repeat, type Scenario, summarize } from '../support/scenario';

const BASELINE_TOPIC = 'bench.baseline.relay.v1';
const BATCH_SIZE = 500;

export const relayThroughput: Scenario = {
  id: 'P1',
  title: 'Relay throughput',
  method:
    'A running relay (its own process, default settings: batches of 500) is woken by one committed transaction ' +
    'holding N outbox rows (real CloudEvents of ~1 KB alerts, N = 20,000; 3,000 in --quick); the figure is N over ' +
    'the time from that commit to the last row marked published. Baseline: a raw kafkajs producer (idempotent, ' +
    'acks=all, one request in flight, like the relay) sending the same encoded messages in batches of 500 to a ' +
    'topic with as many partitions.',
  async run(context) {
    const count = context.quick ? 3000 : 20_000;
    const databaseUrl = await freshHubDatabase(context.environment);
    const kafka = benchKafka(context.environment, 'p1');
    await ensureBenchTopics(kafka, [{ topic: BASELINE_TOPIC, partitions: 6 }]);
    const hub = new HubDeployment(context.environment, databaseUrl);
    await hub.start([{ service: 'relay' }]);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    try {
      const runs = await repeat(
        context,
        'relay vs raw producer',
        async (run) => {
          const batch = eventBatch(`p1-${run}-${Date.now()}`, count);
          const committedAt = await commitToOutbox(databaseUrl, batch.events);
          const lastMarked = await outboxDrained(databaseUrl, 300_000);
          const relayRate = count / ((lastMarked - committedAt) / 1000);
          const started = performance.now();
          for (let start = 0; start < count; start += BATCH_SIZE) {
            await producer.send({
              topic: BASELINE_TOPIC,
              acks: -1,
              messages: batch.messages.slice(start, start + BATCH_SIZE),
            });
          }
          const baselineRate = count / ((performance.now() - started) / 1000);
          return { figure: relayRate, baseline: baselineRate };
        },
        (figures) =>
          `relay ${Math.round(figures.figure)}/s, raw producer ${Math.round(figures.baseline ?? 0)}/s`,
      );
      return [
        summarize(
          {
            id: 'P1',
            what: `Relay: outbox rows published to ${TOPICS.alerts} per second`,
            unit: 'events/s',
            baselineLabel: 'raw kafkajs batch produce, acks=all, idempotent',
            targets: [{ kind: 'ratio-at-least', value: 0.6 }],
          },
          runs,
          `${count.toLocaleString('en-US')} events per run`,
        ),
      ];
    } finally {
      await producer.disconnect();
      await hub.stop();
    }
  },
};
