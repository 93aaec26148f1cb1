import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { benchKafka, ensureBenchTopics } from '../support/bench-kafka';
import { allArrived } from '../support/channel-observers';
import {
  busyCores,
  CpuMeter,
  type CpuShares,
  type MeteredProcesses,
  medianShares,
  postgresServerPids,
} from '../support/cpu-shares';
import { INGEST_CLIENTS } from '../support/ingest';
import { sendClosedLoop, sendPaced } from '../support/load';
import {
  acceptedIds,
  alertRequests,
  alertsUrl,
  type Pipeline,
  startPipeline,
  submitHeaders,
} from '../support/pipeline';
import { formatHops, hopBreakdown } from '../support/hop-breakdown';
import { alertPublishedMessage } from '../support/records';
import {
  type RowSpec,
  type RunFigures,
  type Scenario,
  summarize,
  type ScenarioContext,
} from '../support/scenario';
import { median, percentile } from '../support/stats';

const BASELINE_TOPIC = 'bench.baseline.latency.v1';
/** Paced alerts before the measured runs, as a long-running hub has seen. */
const WARM_UP_SECONDS = 20;
/**
 * A light load, measured beside each run (BENCH_P7_LIGHT_RATE): the same path with the machine
 * mostly idle, so that what the path costs and what queueing for the CPU adds can be told apart.
 */
const LIGHT_RATE = Number(process.env.BENCH_P7_LIGHT_RATE ?? 0) || 20;

/** Records per second the whole pipeline delivers on its slowest channel, from a burst of 64 concurrent submitters. */
async function sustainableRate(
  pipeline: Pipeline,
  count: number,
): Promise<{ rate: number; channels: string }> {
  const started = performance.now();
  const outcomes = await sendClosedLoop(
    alertsUrl(pipeline),
    submitHeaders(pipeline),
    INGEST_CLIENTS,
    alertRequests(`p7-burst-${Date.now()}`, count),
  );
  const ids = [...acceptedIds(outcomes).keys()];
  await allArrived(pipeline.observers, ids, 180_000);
  // Each channel's own rate: the slowest one is the pipeline's bottleneck.
  const rates = pipeline.observers.map((observer) => {
    const last = Math.max(...ids.map((id) => observer.arrivals.get(id)!));
    return { channel: observer.channel, rate: count / ((last - started) / 1000) };
  });
  return {
    rate: Math.min(...rates.map((channel) => channel.rate)),
    channels: rates.map(({ channel, rate }) => `${channel} ${Math.round(rate)}/s`).join(', '),
  };
}

/** Each record's latency per channel, from its 201 to its arrival, and where the time went (p50/p99 per hop). */
async function hubLatencies(
  pipeline: Pipeline,
  rate: number,
  seconds: number,
  processes: MeteredProcesses = {},
): Promise<{ latencies: Map<string, number[]>; hops: string; cpu: CpuShares }> {
  const meter = new CpuMeter(processes);
  const outcomes = await sendPaced(
    alertsUrl(pipeline),
    submitHeaders(pipeline),
    rate,
    alertRequests(`p7-${Date.now()}`, Math.round(rate * seconds)),
  );
  const accepted = acceptedIds(outcomes);
  await allArrived(pipeline.observers, [...accepted.keys()], 120_000);
  const cpu = meter.stop();
  const latencies = new Map(
    pipeline.observers.map((observer) => [
      observer.channel,
      [...accepted].map(([id, answeredAt]) => observer.arrivals.get(id)! - answeredAt),
    ]),
  );
  const hops = formatHops(await hopBreakdown(pipeline.hub.databaseUrl, accepted, pipeline.observers));
  return { latencies, hops, cpu };
}

/** The hub's processes, whose CPU each run reports: the services, the broker, the database server. */
function hubProcesses(pipeline: Pipeline, context: ScenarioContext): MeteredProcesses {
  const brokerPid = context.environment.broker?.pid;
  return {
    ...Object.fromEntries(
      ['gateway', 'relay', 'router', 'notifier'].map((name) => [name, [pipeline.hub.find(name).process.pid]]),
    ),
    ...(brokerPid ? { broker: [brokerPid] } : {}),
    PostgreSQL: postgresServerPids(),
  };
}

/** "p99 14 ms, 3.1× raw 4.5 ms" */
const ratioText = (p99: number, raw: number): string =>
  `p99 ${p99.toFixed(0)} ms, ${(p99 / raw).toFixed(1)}× raw ${raw.toFixed(1)} ms`;

/** Raw kafkajs: one message per tick at the same rate, from the send call to the consumer's callback. */
async function kafkaLatencies(context: ScenarioContext, rate: number, seconds: number): Promise<number[]> {
  const kafka = benchKafka(context.environment, 'p7');
  await ensureBenchTopics(kafka, [{ topic: BASELINE_TOPIC, partitions: 3 }]);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId: `bench-p7-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 100 });
  const fetching = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH_START, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic: BASELINE_TOPIC, fromBeginning: false });
  await consumer.run({
    eachMessage: ({ message }) => {
      const sent = sentAt.get(message.key?.toString() ?? '');
      if (sent !== undefined) latencies.push(performance.now() - sent);
      return Promise.resolve();
    },
  });
  await fetching;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const count = Math.round(rate * seconds);
    const tag = `p7-kafka-${Date.now()}`;
    const started = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let seq = 0; seq < count; seq += 1) {
      const wait = started + (seq * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const message = alertPublishedMessage(tag, seq);
      const key = `${tag}-${seq}`;
      sentAt.set(key, performance.now());
      sends.push(producer.send({ topic: BASELINE_TOPIC, acks: -1, messages: [{ ...message, key }] }));
    }
    await Promise.all(sends);
    const deadline = Date.now() + 60_000;
    while (latencies.length < count && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    return latencies;
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
}

const ROWS: Record<string, RowSpec> = {
  'regional topic': {
    id: 'P7a',
    what: 'End-to-end p99, 201 → event read from the regional topic (hub.region.europe.v1)',
    unit: 'ms',
    baselineLabel: 'raw kafkajs produce→consume p99',
    targets: [{ kind: 'ratio-at-most', value: 10 }],
  },
  'pull feed': {
    id: 'P7b',
    what: 'End-to-end p99, 201 → event on the pull feed (long poll)',
    unit: 'ms',
    baselineLabel: 'raw kafkajs produce→consume p99',
    targets: [{ kind: 'ratio-at-most', value: 10 }],
  },
  webhook: {
    id: 'P7c',
    what: 'End-to-end p99, 201 → signed webhook received',
    unit: 'ms',
    baselineLabel: 'raw kafkajs produce→consume p99',
    targets: [
      { kind: 'ratio-at-most', value: 10 },
      { kind: 'at-most', value: 150, unit: 'ms' },
    ],
  },
};

export const endToEndLatency: Scenario = {
  id: 'P7',
  title: 'End-to-end latency',
  method:
    'The hub as four processes (gateway, relay, router, notifier) with a member’s pull feed read by long polling, ' +
    'a member’s webhook endpoint on loopback that verifies each signature, and a RILO-style consumer of the ' +
    'European regional stream; every alert concerns Europe. First a burst of 2,000 alerts (500 in --quick) from ' +
    '64 concurrent clients gives the maximum sustainable rate: alerts over the time until the last arrived on the ' +
    'slowest channel. Then alerts are sent at an even pace (open loop) at half that rate, 20 s unmeasured as a ' +
    'warm-up (4 s in --quick; a freshly started broker is still compiling), then 20 s per run (8 s in --quick), and each alert’s latency is taken from its 201 to its arrival on each channel. Baseline: a raw kafkajs ' +
    'producer (acks=all) and consumer (same 100 ms fetch wait as the hub’s consumers), the same ~1 KB messages ' +
    'one at a time at the same rate, from the send call to the consumer callback. Each run also reports the ' +
    'cores the hub’s processes used (the four services, the broker, the PostgreSQL server, this load ' +
    `generator and its observers, the rest of the machine; from /proc), and the same measurement, hub and raw, ` +
    `at a light ${LIGHT_RATE} alerts/s (BENCH_P7_LIGHT_RATE): the path’s own cost, with the machine mostly idle.`,
  async run(context) {
    const pipeline = await startPipeline(context.environment);
    try {
      const burst = await sustainableRate(pipeline, context.quick ? 500 : 2000);
      const maximum = burst.rate;
      // BENCH_P7_RATE fixes the rate, to compare tunings at the same load.
      const rate = Number(process.env.BENCH_P7_RATE ?? 0) || Math.max(5, Math.floor(maximum / 2));
      const seconds = context.quick ? 8 : 20;
      context.progress.step(
        `maximum sustainable ${Math.round(maximum)} alerts/s (${burst.channels}); measuring at ${rate}/s`,
      );
      // Not measured: the broker's JIT still compiles its paths (at a fresh start its C2 threads took
      // a quarter of a core through the first paced run) and the services' are not yet at this pace.
      const warmUp = context.quick ? 4 : WARM_UP_SECONDS;
      await hubLatencies(pipeline, rate, warmUp);
      context.progress.step(`warmed up: ${warmUp} s at ${rate}/s, not measured`);
      const runs = new Map<string, RunFigures[]>(Object.keys(ROWS).map((channel) => [channel, []]));
      const shares: CpuShares[] = [];
      for (let run = 1; run <= context.runs; run += 1) {
        const {
          latencies: hub,
          hops,
          cpu,
        } = await hubLatencies(pipeline, rate, seconds, hubProcesses(pipeline, context));
        shares.push(cpu);
        const kafka = await kafkaLatencies(context, rate, seconds);
        const light = await hubLatencies(pipeline, LIGHT_RATE, seconds);
        const lightKafka = percentile(await kafkaLatencies(context, LIGHT_RATE, seconds), 99);
        const baseline = percentile(kafka, 99);
        const parts: string[] = [];
        const lightParts: string[] = [];
        for (const [channel, latencies] of hub) {
          const p50 = percentile(latencies, 50);
          const p99 = percentile(latencies, 99);
          const lightP99 = percentile(light.latencies.get(channel)!, 99);
          runs.get(channel)!.push({
            figure: p99,
            baseline,
            detail: {
              p50,
              count: latencies.length,
              baselineP50: percentile(kafka, 50),
              busyCores: busyCores(cpu),
              cores: cpu.used,
              light: { rate: LIGHT_RATE, p99: lightP99, baselineP99: lightKafka },
            },
          });
          parts.push(`${channel} p50 ${p50.toFixed(0)} / p99 ${p99.toFixed(0)} ms`);
          lightParts.push(`${channel} ${ratioText(lightP99, lightKafka)}`);
        }
        context.progress.step(
          `run ${run}/${context.runs}: ${parts.join(', ')}; raw Kafka p99 ${baseline.toFixed(1)} ms; ` +
            `machine ${busyCores(cpu).toFixed(2)} of ${cpu.cores} cores busy`,
        );
        context.progress.step(`   hops p50/p99 ms: ${hops}`);
        context.progress.step(`   at ${LIGHT_RATE}/s: ${lightParts.join('; ')}`);
      }
      const machine =
        `machine ${median(shares.map(busyCores)).toFixed(2)} of ${shares[0]?.cores ?? 0} cores busy ` +
        `(${medianShares(shares)})`;
      return [...runs].map(([channel, figures]) => {
        const p50s = figures.map((figure) => Number(figure.detail?.p50));
        const light = figures.map((figure) => figure.detail?.light as { p99: number; baselineP99: number });
        const lightText = ratioText(
          median(light.map((entry) => entry.p99)),
          median(light.map((entry) => entry.baselineP99)),
        );
        return summarize(
          ROWS[channel],
          figures,
          `p50 ${percentile(p50s, 50).toFixed(0)} ms; at ${rate} alerts/s (half of ${Math.round(maximum)}/s), ` +
            `${machine}; at ${LIGHT_RATE} alerts/s: ${lightText}`,
        );
      });
    } finally {
      await pipeline.stop();
    }
  },
};
