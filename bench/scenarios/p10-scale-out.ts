import { ProvenanceKey, ProvenanceSigner, TOPICS } from '@hub/contracts';
import { performance } from 'node:perf_hooks';
import { type BenchEnvironment, freshHubDatabase, waitFor } from '../support/bench-environment';
import { benchKafka, ensureBenchTopics, produceAll } from '../support/bench-kafka';
import { createSubscription, registerOrganization } from '../support/hub-api';
import { HubDeployment } from '../support/hub-deployment';
import { CpuWindow } from '../support/machine';
import { healthDetail, scrapeMetric } from '../support/metrics-scrape';
import { commitToOutbox, eventBatch, outboxDrained } from '../support/outbox-fill';
import { STRATEGIC_HS_CODES } from '../support/records';
import { repeat, type Scenario, type ScenarioContext, summarize } from '../support/scenario';

const CANONICAL_PARTITIONS = 6;

/** 100 pull feeds over 20 members: half by destination country, half by HS code (about a dozen matches per alert). */
async function subscribe(environment: BenchEnvironment, gatewayUrl: string): Promise<void> {
  const countries = ['DE', 'FR', 'NL', 'IT', 'BE', 'PL'];
  for (let member = 0; member < 20; member += 1) {
    const organization = await registerOrganization(gatewayUrl, environment.adminToken, {
      code: `member-${member}`,
      kind: 'member',
      country: countries[member % countries.length],
    });
    for (let feed = 0; feed < 5; feed += 1) {
      const n = member * 5 + feed;
      await createSubscription(gatewayUrl, organization, {
        name: `Watch ${n}`,
        filter:
          n % 2 === 0
            ? { countries: [countries[n % countries.length]] }
            : { hsPrefixes: [STRATEGIC_HS_CODES[n % STRATEGIC_HS_CODES.length]] },
        delivery: { type: 'pull' },
      });
    }
  }
}

/** Events per second that `instances` routers of one new group route from the canonical topic. */
async function routerRate(
  context: ScenarioContext,
  databaseUrl: string,
  instances: number,
  count: number,
): Promise<{ rate: number; cpu: string }> {
  const hub = new HubDeployment(context.environment, databaseUrl);
  try {
    const routers = await hub.start(
      Array.from({ length: instances }, (_, n) => ({ service: 'router' as const, name: `router-${n + 1}` })),
    );
    // Both canonical topics' partitions assigned, so no rebalance falls into the measurement.
    await waitFor(
      'the router group to settle',
      async () => {
        const details = await Promise.all(routers.map((router) => healthDetail(router.url, 'router')));
        const assigned = details.reduce(
          (sum, detail) => sum + Number(/(\d+) partitions assigned/.exec(detail)?.[1] ?? 0),
          0,
        );
        return assigned === 2 * CANONICAL_PARTITIONS;
      },
      60_000,
      200,
    );
    // Signed as the relay signs them (routers dead-letter anything else); the signing is the relay's cost, not timed here.
    const signer = new ProvenanceSigner(ProvenanceKey.fromBase64(context.environment.eventSigningKey));
    const messages = eventBatch(`p10-${instances}-${Date.now()}`, count).messages.map((message) =>
      signer.sign(TOPICS.alerts, message),
    );
    const cpu = new CpuWindow(Object.fromEntries(routers.map((router) => [router.name, router.process.pid])));
    const started = performance.now();
    await produceAll(benchKafka(context.environment, 'p10'), TOPICS.alerts, messages);
    const routed = async () =>
      (
        await Promise.all(routers.map((router) => scrapeMetric(router.url, 'hub_router_events_total')))
      ).reduce((a, b) => a + b, 0);
    await waitFor('the routers to route every event', async () => (await routed()) >= count, 300_000, 100);
    return { rate: count / ((performance.now() - started) / 1000), cpu: cpu.describe() };
  } finally {
    await hub.stop();
  }
}

export const scaleOut: Scenario = {
  id: 'P10',
  title: 'Scale-out',
  method:
    'Routers: one, then two router processes of a new consumer group (each run its own group, started at the end ' +
    'of the topics and settled on all 12 canonical partitions before timing) route N real alert events produced ' +
    'to hub.alerts.v1 (6 partitions; N = 6,000, 1,500 in --quick) against 100 pull feeds (about a dozen matches ' +
    'per alert: feed entries written, regional streams filled); the figure is N over the time from the first ' +
    'produce until the routers’ `hub_router_events_total` reaches N. Relays: one, then two relay processes drain N ' +
    'outbox rows committed at once (N = 10,000, 2,000 in --quick), timed as in P1, each once the relays running have ' +
    'split the 8 outbox shards (8 for one, 4 each for two). Every run also reports each router’s or relay’s CPU ' +
    'share over its timed window (CPU seconds from /proc over wall seconds: 1.0 is one core) and how busy the ' +
    'whole machine was.',
  async run(context) {
    const databaseUrl = await freshHubDatabase(context.environment);
    const kafka = benchKafka(context.environment, 'p10');
    await ensureBenchTopics(kafka, [
      { topic: TOPICS.alerts, partitions: CANONICAL_PARTITIONS },
      { topic: TOPICS.seizures, partitions: CANONICAL_PARTITIONS },
    ]);
    const setup = new HubDeployment(context.environment, databaseUrl);
    const [gateway] = await setup.start([{ service: 'gateway' }, { service: 'relay', name: 'relay-1' }]);
    try {
      await subscribe(context.environment, gateway.url);
      const events = context.quick ? 1500 : 6000;
      const routers = await repeat(
        context,
        'two routers vs one',
        async () => {
          const one = await routerRate(context, databaseUrl, 1, events);
          const two = await routerRate(context, databaseUrl, 2, events);
          return { figure: two.rate, baseline: one.rate, detail: { cpuOne: one.cpu, cpuTwo: two.cpu } };
        },
        (figures) =>
          `two ${Math.round(figures.figure)}/s (${String(figures.detail?.cpuTwo)}), one ${Math.round(
            figures.baseline ?? 0,
          )}/s (${String(figures.detail?.cpuOne)})`,
      );
      const rows = context.quick ? 2000 : 10_000;
      const relayRate = async (tag: string) => {
        const events = eventBatch(tag, rows).events;
        const cpu = new CpuWindow(
          Object.fromEntries(
            setup.running
              .filter((service) => service.service === 'relay')
              .map((relay) => [relay.name, relay.process.pid]),
          ),
        );
        const committedAt = await commitToOutbox(databaseUrl, events);
        const rate = rows / (((await outboxDrained(databaseUrl, 300_000)) - committedAt) / 1000);
        return { rate, cpu: cpu.describe() };
      };
      // Timed once the running relays hold `each` of the 8 shards (a newcomer waits for its half to be
      // given up; a stopped relay's shards are taken at the other's next round).
      const shardsSplit = (each: number) =>
        waitFor(
          `the relays to hold ${each} shards each`,
          async () => {
            const details = await Promise.all(
              setup.running
                .filter((service) => service.service === 'relay')
                .map((relay) => healthDetail(relay.url, 'relay')),
            );
            return details.every((detail) => detail.includes(`${each} of 8 shards held`));
          },
          60_000,
          100,
        );
      const relays = await repeat(
        context,
        'two relays vs one',
        async (run) => {
          await shardsSplit(8);
          const one = await relayRate(`p10-relay-1-${run}`);
          await setup.start([{ service: 'relay', name: 'relay-2' }]);
          await shardsSplit(4);
          const two = await relayRate(`p10-relay-2-${run}`);
          await setup.stopService('relay-2');
          return { figure: two.rate, baseline: one.rate, detail: { cpuOne: one.cpu, cpuTwo: two.cpu } };
        },
        (figures) =>
          `two ${Math.round(figures.figure)}/s (${String(figures.detail?.cpuTwo)}), one ${Math.round(
            figures.baseline ?? 0,
          )}/s (${String(figures.detail?.cpuOne)})`,
      );
      return [
        summarize(
          {
            id: 'P10a',
            what: 'Scale-out: events routed per second by two router instances',
            unit: 'events/s',
            baselineLabel: 'one router instance',
            targets: [{ kind: 'ratio-at-least', value: 1.3 }],
          },
          routers,
          `${events.toLocaleString('en-US')} events, 100 feeds`,
        ),
        summarize(
          {
            id: 'P10b',
            what: 'Scale-out: outbox rows published per second with two relay instances',
            unit: 'events/s',
            baselineLabel: 'one relay instance',
            targets: [{ kind: 'ratio-at-least', value: 1.3 }],
          },
          relays,
          '8 outbox shards (OUTBOX_SHARDS), each leased by one relay: two relays hold 4 each',
        ),
      ];
    } finally {
      await setup.stop();
    }
  },
};
