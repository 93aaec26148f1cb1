import { TOPICS } from '@hub/contracts';
import { performance } from 'node:perf_hooks';
import { withClient } from '../support/bench-environment';
import { benchKafka } from '../support/bench-kafka';
import { ingestLoad } from '../support/ingest';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { type Scenario, type ScenarioContext, summarize } from '../support/scenario';
import { mean, slope } from '../support/stats';

const RATE = Number(process.env.BENCH_STEADY_RATE ?? 100);
const MIB = 2 ** 20;

interface Sample {
  atSeconds: number;
  resident: Record<string, number>;
  /** V8 heap in use right after a full collection: what the service still holds. */
  heap: Record<string, number>;
  outboxPending: number;
  routerLag: number;
}

async function sample(pipeline: Pipeline, context: ScenarioContext, startedAt: number): Promise<Sample> {
  const resident = Object.fromEntries(
    pipeline.hub.running.map((service) => [service.name, service.process.residentBytes()]),
  );
  const heap = Object.fromEntries(
    await Promise.all(
      pipeline.hub.running.map(
        async (service) => [service.name, await service.process.heapAfterCollection()] as const,
      ),
    ),
  );
  const outboxPending = await withClient(pipeline.hub.databaseUrl, async (client) =>
    Number(
      (
        await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
        )
      ).rows[0].n,
    ),
  );
  const admin = benchKafka(context.environment, 'p14').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(TOPICS.alerts);
    const [committed] = await admin.fetchOffsets({
      groupId: pipeline.hub.routerGroupId,
      topics: [TOPICS.alerts],
    });
    const done = new Map(
      committed.partitions.map((partition) => [partition.partition, BigInt(partition.offset)]),
    );
    const routerLag = ends.reduce((sum, end) => {
      const at = done.get(end.partition) ?? -1n;
      return sum + (at < 0n ? 0 : Number(BigInt(end.high) - at));
    }, 0);
    return { atSeconds: (performance.now() - startedAt) / 1000, resident, heap, outboxPending, routerLag };
  } finally {
    await admin.disconnect();
  }
}

/** Fitted growth of one service's heap after collection over the samples after warm-up: MiB per minute and MiB over the window. */
function growth(
  samples: readonly Sample[],
  service: string,
): { perMinute: number; overWindow: number; meanMiB: number } {
  const points = samples.map((entry) => ({ x: entry.atSeconds / 60, y: entry.heap[service] / MIB }));
  const perMinute = slope(points);
  const window = points.length > 1 ? points[points.length - 1].x - points[0].x : 0;
  return { perMinute, overWindow: perMinute * window, meanMiB: mean(points.map((point) => point.y)) };
}

export const steadyMemory: Scenario = {
  id: 'P14',
  title: 'Memory at steady load',
  method:
    `The P7 deployment (four service processes, a pull feed, a verified webhook, a regional-stream reader) under ` +
    `autocannon at a steady ${RATE} alerts/s (BENCH_STEADY_RATE), 64 connections, for 5 minutes (40 s in --quick). ` +
    'Every 5 s (2 s in --quick): each service’s V8 heap in use right after a full collection (through the ' +
    'inspector of a service started with --inspect on loopback) and its resident memory (VmRSS), the relay’s ' +
    'backlog (unpublished outbox rows) and the routers’ consumer lag. A service “grows” when the least-squares ' +
    'fit of its heap after collection over the run after the first quarter rises by more than 8 MiB or 5 % of its ' +
    'mean (resident memory is reported, not judged: it is a sawtooth of minutes, falling only when V8 gives ' +
    'pages back); the row fails if one grows, if any ' +
    'request is not answered 201, or if any accepted alert fails to reach all three channels.',
  async run(context) {
    const seconds = context.quick ? 40 : 300;
    const every = context.quick ? 2 : 5;
    const pipeline = await startPipeline(context.environment, {}, ['--inspect=127.0.0.1:0']);
    try {
      const startedAt = performance.now();
      const samples: Sample[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          samples.push(await sample(pipeline, context, startedAt));
          const last = samples[samples.length - 1];
          if (samples.length % Math.max(1, Math.round(30 / every)) === 0)
            context.progress.step(
              `${Math.round(last.atSeconds)} s: ${Object.entries(last.resident)
                .map(
                  ([name, bytes]) =>
                    `${name} ${(last.heap[name] / MIB).toFixed(0)} MiB heap, ${(bytes / MIB).toFixed(0)} MiB RSS`,
                )
                .join(', ')}; backlog ${last.outboxPending}, router lag ${last.routerLag}`,
            );
          await new Promise((resolve) => setTimeout(resolve, every * 1000));
        }
      })();
      const load = await ingestLoad(
        pipeline.gatewayUrl,
        pipeline.submitter,
        `p14-${Date.now()}`,
        seconds,
        RATE,
      );
      sampling = false;
      await sampler;
      // Everything accepted must come out on every channel.
      const deadline = Date.now() + 60_000;
      const delivered = () => Math.min(...pipeline.observers.map((observer) => observer.arrivals.size));
      while (delivered() < load.answered && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const steady = samples.filter((entry) => entry.atSeconds >= seconds / 4);
      const services = Object.keys(samples[0]?.resident ?? {});
      const growths = Object.fromEntries(services.map((service) => [service, growth(steady, service)]));
      const growing = services.filter(
        (service) => growths[service].overWindow > Math.max(8, 0.05 * growths[service].meanMiB),
      );
      const lost = load.answered - delivered();
      const worst = Math.max(...services.map((service) => growths[service].perMinute));
      const holds =
        growing.length === 0 && load.failures === 0 && lost <= 0 && pipeline.webhook.rejected === 0;
      const end = samples[samples.length - 1];
      const note =
        `heap after collection at end: ${services.map((service) => `${service} ${(end.heap[service] / MIB).toFixed(0)} MiB (${growths[service].perMinute >= 0 ? '+' : ''}${growths[service].perMinute.toFixed(2)} MiB/min; RSS ${(end.resident[service] / MIB).toFixed(0)} MiB)`).join(', ')}; ` +
        `${load.answered.toLocaleString('en-US')} alerts at ${Math.round(load.perSecond)}/s, ${load.failures} failed, ${Math.max(0, lost)} undelivered${lost > 0 ? ` (arrived: ${pipeline.observers.map((observer) => `${observer.channel} ${observer.arrivals.size}`).join(', ')})` : ''}; ` +
        `max relay backlog ${Math.max(...samples.map((entry) => entry.outboxPending))} rows, max router lag ${Math.max(...samples.map((entry) => entry.routerLag))} events` +
        (growing.length ? `; growing: ${growing.join(', ')}` : '');
      context.progress.step(note);
      return [
        summarize(
          {
            id: 'P14',
            what: `Memory at steady load (${RATE} alerts/s, ${seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`}): largest trend of a service's heap after collection`,
            unit: 'MiB/min',
            baselineLabel: null,
            targets: [
              { kind: 'holds', description: 'no service grows; no request fails; everything delivered' },
            ],
          },
          [
            {
              figure: worst,
              holds,
              detail: { samples, growths, failures: load.failures, lost, answered: load.answered },
            },
          ],
          note,
        ),
      ];
    } finally {
      await pipeline.stop();
    }
  },
};
