import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { databaseBackendPids, freshHubDatabase } from '../support/bench-environment';
import {
  CpuMeter,
  type CpuShares,
  formatCpuShares,
  type MeteredProcesses,
  medianShares,
} from '../support/cpu-shares';
import { HubDeployment, type RunningHubService } from '../support/hub-deployment';
import { alertBodies, INGEST_CLIENTS, registerSubmitter } from '../support/ingest';
import { bearer, type BenchOrganization } from '../support/hub-api';
import { type LoadResult, runLoad } from '../support/load';
import { repeat, type Scenario, summarize } from '../support/scenario';

/** The Redis both gateways count their rate limits in (the machine's own unless named). */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** POST /v1/alerts to each gateway at once, the connections split evenly; 201s per second, all together. */
async function ingestThrough(
  gateways: readonly RunningHubService[],
  submitter: BenchOrganization,
  runTag: string,
  seconds: number,
): Promise<{ perSecond: number; failures: number; results: LoadResult[] }> {
  const results = await Promise.all(
    gateways.map((gateway, index) =>
      runLoad({
        url: `${gateway.url}/v1/alerts`,
        method: 'POST',
        headers: bearer(submitter),
        body: alertBodies(`${runTag}-${index}`),
        connections: INGEST_CLIENTS / gateways.length,
        durationSeconds: seconds,
        expectedStatus: 201,
      }),
    ),
  );
  return {
    perSecond: results.reduce((sum, result) => sum + result.perSecond, 0),
    failures: results.reduce((sum, result) => sum + result.failures, 0),
    results,
  };
}

/** The processes whose CPU is reported: each gateway, this database's backends, the Redis server. */
async function meteredProcesses(
  databaseUrl: string,
  gateways: readonly RunningHubService[],
  redisPid: number,
): Promise<MeteredProcesses> {
  const backends = await databaseBackendPids(databaseUrl);
  return {
    ...Object.fromEntries(gateways.map((gateway) => [gateway.name, [gateway.process.pid]])),
    PostgreSQL: backends,
    Redis: [redisPid],
  };
}

async function redisServerPid(): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    return Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? -1);
  } finally {
    redis.disconnect();
  }
}

export const gatewayScaleOut: Scenario = {
  id: 'P17',
  title: 'Gateway scale-out',
  method:
    'Two gateway processes (production settings, JSON request logs at info to a file) on one database, both ' +
    'counting their rate limits in one Redis (REDIS_URL, limits set out of reach), as behind a load balancer. ' +
    `autocannon on loopback POSTs a different ~1 KB alert on each request with one member's API key, as in P2: ` +
    `${INGEST_CLIENTS} connections to one gateway, then the same ${INGEST_CLIENTS} connections split evenly between ` +
    'the two, in the same run (one first in odd runs, two first in even ones); only 201s count. 10 s per measurement (3 s in --quick) after a warm-up of each ' +
    'gateway. Each measurement also reports the cores used by each gateway, the load generator (this process), ' +
    'the PostgreSQL backends of the benchmark database, the Redis server, and the rest of the machine (other ' +
    'PostgreSQL processes and anything else running), from /proc.',
  async run(context) {
    const seconds = context.quick ? 3 : 10;
    const databaseUrl = await freshHubDatabase(context.environment);
    const hub = new HubDeployment(context.environment, databaseUrl);
    const prefix = `cosmo-hub-bench:${randomUUID().slice(0, 8)}:`;
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const gateways = await hub.start([
      { service: 'gateway', name: 'gateway-1', env },
      { service: 'gateway', name: 'gateway-2', env },
    ]);
    try {
      const submitter = await registerSubmitter(context.environment, gateways[0].url);
      for (const [index, gateway] of gateways.entries())
        await ingestThrough([gateway], submitter, `p17-warm-${index}-${Date.now()}`, 2);
      const redisPid = await redisServerPid();
      const oneShares: CpuShares[] = [];
      const twoShares: CpuShares[] = [];
      let failures = 0;
      const runs = await repeat(
        context,
        'two gateways vs one',
        async (run) => {
          const processes = await meteredProcesses(databaseUrl, gateways, redisPid);
          const measure = async (through: readonly RunningHubService[], tag: string) => {
            const meter = new CpuMeter(processes);
            const load = await ingestThrough(through, submitter, `p17-${tag}-${run}-${Date.now()}`, seconds);
            return { load, cpu: meter.stop() };
          };
          // One first in odd runs, two first in even ones: drift on a shared machine favours neither.
          let one: Awaited<ReturnType<typeof measure>>;
          let two: Awaited<ReturnType<typeof measure>>;
          if (run % 2 === 1) {
            one = await measure([gateways[0]], 'one');
            two = await measure(gateways, 'two');
          } else {
            two = await measure(gateways, 'two');
            one = await measure([gateways[0]], 'one');
          }
          const [oneCpu, twoCpu] = [one.cpu, two.cpu];
          oneShares.push(oneCpu);
          twoShares.push(twoCpu);
          failures += one.load.failures + two.load.failures;
          return {
            figure: two.load.perSecond,
            baseline: one.load.perSecond,
            holds: one.load.failures + two.load.failures === 0,
            detail: {
              perGateway: two.load.results.map((result) => Math.round(result.perSecond)),
              p99Ms: {
                one: one.load.results[0].latencyP99Ms,
                two: two.load.results.map((result) => result.latencyP99Ms),
              },
              coresOne: oneCpu.used,
              coresTwo: twoCpu.used,
            },
          };
        },
        (figures) =>
          `two ${Math.round(figures.figure)}/s, one ${Math.round(figures.baseline ?? 0)}/s; ` +
          `cores with two: ${formatCpuShares(twoShares.at(-1)!)}`,
      );
      return [
        summarize(
          {
            id: 'P17',
            what: `Scale-out: ingest POST /v1/alerts answered 201 per second by two gateways, ${INGEST_CLIENTS} clients`,
            unit: 'req/s',
            baselineLabel: 'one gateway, same run',
            targets: [
              { kind: 'ratio-at-least', value: 1.3 },
              { kind: 'holds', description: 'every request answered 201' },
            ],
          },
          runs,
          `${failures} non-2xx or failed; median cores with one: ${medianShares(oneShares)}; ` +
            `with two: ${medianShares(twoShares)} (of ${twoShares[0]?.cores ?? 0})`,
        ),
      ];
    } finally {
      await hub.stop();
    }
  },
};
