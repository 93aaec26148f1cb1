import { TOPICS } from '@hub/contracts';
import * as fs from 'node:fs';
import { BenchBroker } from '../support/bench-broker';
import { type BenchEnvironment, freshHubDatabase } from '../support/bench-environment';
import { allArrived } from '../support/channel-observers';
import { HubDeployment } from '../support/hub-deployment';
import { sendPaced } from '../support/load';
import { commitToOutbox, eventBatch, outboxDrained } from '../support/outbox-fill';
import { acceptedIds, alertRequests, alertsUrl, startPipeline, submitHeaders } from '../support/pipeline';
import { type RunFigures, type Scenario, summarize } from '../support/scenario';
import { percentile } from '../support/stats';

/** Alerts per second for the latency runs: the same even pace on both arms, well under either's maximum. */
const LATENCY_RATE = 20;

/** One arm of the comparison: where its clients connect and what the services are told. */
interface Arm {
  name: 'secured' | 'sasl' | 'unsecured';
  environment: BenchEnvironment;
  serviceEnv: Record<string, string>;
}

/**
 * The secured arm: the benchmarks' own broker, every service and observer over its SASL_SSL
 * listener (SCRAM-SHA-512, TLS with the development CA), each service as its own principal.
 */
function securedArm(environment: BenchEnvironment, broker: BenchBroker): Arm {
  const ca = fs.readFileSync(broker.caFile, 'utf8');
  return {
    name: 'secured',
    environment: {
      ...environment,
      brokers: broker.externalBrokers,
      kafkaSecurity: { ...environment.kafkaSecurity, ssl: { ca } },
    },
    serviceEnv: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: broker.caFile },
  };
}

/**
 * Between the two, to tell SASL's share from TLS's: the same secured broker through its internal
 * SASL_PLAINTEXT listener on loopback, as the hub's services connect on one machine.
 */
function saslArm(environment: BenchEnvironment): Arm {
  return {
    name: 'sasl',
    environment: { ...environment, databaseName: `${environment.databaseName}_sasl` },
    serviceEnv: {},
  };
}

/** The baseline: a broker started without security (PLAINTEXT, no SASL, no ACLs), services with KAFKA_SASL_MECHANISM=none. */
function unsecuredArm(environment: BenchEnvironment, broker: BenchBroker): Arm {
  return {
    name: 'unsecured',
    environment: {
      ...environment,
      brokers: broker.brokers,
      broker,
      kafkaSecurity: {},
      databaseName: `${environment.databaseName}_plain`,
    },
    serviceEnv: { KAFKA_SASL_MECHANISM: 'none' },
  };
}

/** Each arm's 201 → regional topic latencies, from alerts sent at an even pace. */
async function regionalLatencies(
  arm: Arm,
  runs: number,
  seconds: number,
  report: (line: string) => void,
): Promise<number[][]> {
  const pipeline = await startPipeline(arm.environment, arm.serviceEnv);
  try {
    // An untimed pass: connections, metadata and TLS sessions are established before the clock runs.
    const warm = acceptedIds(
      await sendPaced(
        alertsUrl(pipeline),
        submitHeaders(pipeline),
        LATENCY_RATE,
        alertRequests(`p16-warm-${arm.name}-${Date.now()}`, LATENCY_RATE * 2),
      ),
    );
    await allArrived(pipeline.observers, [...warm.keys()], 120_000);
    const regional = pipeline.observers.find((observer) => observer.channel === 'regional topic')!;
    const all: number[][] = [];
    for (let run = 1; run <= runs; run += 1) {
      const accepted = acceptedIds(
        await sendPaced(
          alertsUrl(pipeline),
          submitHeaders(pipeline),
          LATENCY_RATE,
          alertRequests(`p16-${arm.name}-${run}-${Date.now()}`, LATENCY_RATE * seconds),
        ),
      );
      await allArrived(pipeline.observers, [...accepted.keys()], 120_000);
      const latencies = [...accepted].map(([id, answeredAt]) => regional.arrivals.get(id)! - answeredAt);
      all.push(latencies);
      report(
        `${arm.name} run ${run}/${runs}: regional topic p50 ${percentile(latencies, 50).toFixed(0)} / p99 ${percentile(latencies, 99).toFixed(0)} ms`,
      );
    }
    return all;
  } finally {
    await pipeline.stop();
  }
}

export const securityTax: Scenario = {
  id: 'P16',
  title: 'Security tax (SASL + TLS)',
  method:
    'Two arms, on two brokers of the same Apache Kafka build. Secured: the benchmarks’ broker as the hub runs it ' +
    '(SCRAM users, ACLs), with the services (each its own principal) and the observers connected through its ' +
    'SASL_SSL listener (SCRAM-SHA-512 over TLS, the development CA; KAFKA_SSL=true, KAFKA_SSL_CA_FILE). ' +
    'Unsecured: a second broker started with the bench-only `kafka-cli start --unsecured` (PLAINTEXT listener, no ' +
    'SASL, no ACLs), services with KAFKA_SASL_MECHANISM=none. Relay throughput: a relay per arm, each with its own ' +
    'database, woken by one committed transaction of N outbox rows (as P1; N = 20,000, 3,000 in --quick), in the ' +
    'order unsecured, SASL_PLAINTEXT, secured, secured, SASL_PLAINTEXT, unsecured per run (the means of each); ' +
    'SASL_PLAINTEXT is a third arm, for SASL’s share alone: the secured broker through its internal loopback listener, as ' +
    'the hub runs on one machine. End-to-end: per arm the whole hub (gateway, relay, router, notifier; the arms one ' +
    'after the other), an untimed pass, then alerts at an even 20/s ' +
    'for 20 s (8 s in --quick), p99 from each 201 to the event read from hub.region.europe.v1.',
  async run(context) {
    const { environment } = context;
    if (!environment.broker?.credentials)
      throw new Error(
        'P16 needs the benchmarks’ own broker (unset KAFKA_BROKERS): it compares it with an unsecured one',
      );
    const count = context.quick ? 3000 : 20_000;
    const seconds = context.quick ? 8 : 20;
    const plainBroker = await BenchBroker.start(
      environment.repoRoot,
      environment.distRoot,
      (line) => context.progress.step(line),
      { secure: false },
    );
    const arms = [
      securedArm(environment, environment.broker),
      saslArm(environment),
      unsecuredArm(environment, plainBroker),
    ];
    try {
      const relays: { arm: Arm; databaseUrl: string; hub: HubDeployment }[] = [];
      const relayRate = async (relay: (typeof relays)[number], tag: string): Promise<number> => {
        const batch = eventBatch(`p16-${relay.arm.name}-${tag}-${Date.now()}`, count);
        const committedAt = await commitToOutbox(relay.databaseUrl, batch.events);
        const lastMarked = await outboxDrained(relay.databaseUrl, 300_000);
        return count / ((lastMarked - committedAt) / 1000);
      };
      let throughput: RunFigures[];
      try {
        for (const arm of arms) {
          const databaseUrl = await freshHubDatabase(arm.environment);
          const hub = new HubDeployment(arm.environment, databaseUrl);
          relays.push({ arm, databaseUrl, hub });
          await hub.start([{ service: 'relay', env: arm.serviceEnv }]);
        }
        const [secured, sasl, unsecured] = relays;
        // An untimed pass each: producers, metadata and TLS sessions are up before the clock runs.
        for (const relay of relays) await relayRate(relay, 'warm');
        const runs: RunFigures[] = [];
        for (let run = 1; run <= context.runs; run += 1) {
          const rates = { secured: 0, sasl: 0, unsecured: 0 };
          for (const relay of [unsecured, sasl, secured, secured, sasl, unsecured])
            rates[relay.arm.name] += (await relayRate(relay, String(run))) / 2;
          runs.push({
            figure: rates.secured,
            baseline: rates.unsecured,
            detail: { saslPlaintext: rates.sasl },
          });
          context.progress.step(
            `relay run ${run}/${context.runs}: SASL_SSL ${Math.round(rates.secured)}/s, SASL_PLAINTEXT ${Math.round(rates.sasl)}/s, PLAINTEXT ${Math.round(rates.unsecured)}/s`,
          );
        }
        throughput = runs;
      } finally {
        await Promise.all(relays.map((relay) => relay.hub.stop()));
      }

      const step = (line: string): void => context.progress.step(line);
      const plain = await regionalLatencies(arms[2], context.runs, seconds, step);
      const saslOnly = await regionalLatencies(arms[1], context.runs, seconds, step);
      const tls = await regionalLatencies(arms[0], context.runs, seconds, step);
      const latency: RunFigures[] = tls.map((latencies, run) => ({
        figure: percentile(latencies, 99),
        baseline: percentile(plain[run], 99),
        detail: {
          p50: percentile(latencies, 50),
          baselineP50: percentile(plain[run], 50),
          saslPlaintextP99: percentile(saslOnly[run], 99),
          saslPlaintextP50: percentile(saslOnly[run], 50),
          count: latencies.length,
        },
      }));
      const middle = (runs: RunFigures[], key: string): string =>
        percentile(
          runs.map((run) => Number(run.detail?.[key])),
          50,
        ).toFixed(0);
      return [
        summarize(
          {
            id: 'P16a',
            what: `Security tax: relay publishing to ${TOPICS.alerts} over SASL_SSL (SCRAM-SHA-512 + TLS)`,
            unit: 'events/s',
            baselineLabel: 'the same relay, unsecured broker (PLAINTEXT, no SASL)',
            targets: [{ kind: 'ratio-at-least', value: 0.8 }],
          },
          throughput,
          `${count.toLocaleString('en-US')} events per run; internal SASL_PLAINTEXT listener ${middle(throughput, 'saslPlaintext')}/s`,
        ),
        summarize(
          {
            id: 'P16b',
            what: 'Security tax: end-to-end p99, 201 → event read from hub.region.europe.v1, all over SASL_SSL',
            unit: 'ms',
            baselineLabel: 'the same hub, unsecured broker (PLAINTEXT, no SASL)',
            targets: [],
          },
          latency,
          `p50 ${middle(latency, 'p50')} ms secured, ${middle(latency, 'baselineP50')} ms unsecured; internal SASL_PLAINTEXT listener p99 ${middle(latency, 'saslPlaintextP99')} / p50 ${middle(latency, 'saslPlaintextP50')} ms; ${LATENCY_RATE} alerts/s for ${seconds} s`,
        ),
      ];
    } finally {
      await plainBroker.stop((line) => context.progress.step(line));
    }
  },
};
