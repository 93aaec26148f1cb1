import { freshHubDatabase } from '../support/bench-environment';
import { HubDeployment } from '../support/hub-deployment';
import { INGEST_CLIENTS, ingestLoad, registerSubmitter } from '../support/ingest';
import { runLoad } from '../support/load';
import { repeat, type Scenario, summarize } from '../support/scenario';

export const ingest: Scenario = {
  id: 'P2',
  title: 'Ingest',
  method:
    `The gateway in its own process (production settings, JSON request logs at info to a file). autocannon on ` +
    `loopback, ${INGEST_CLIENTS} connections, POSTs a different ~1 KB alert on each request with a member's API key: ` +
    'every request is authenticated, validated against the standard and answered 201 only after its transaction ' +
    '(record, history row, outbox row) committed; only 201s count. Baseline: the same gateway process, same ' +
    'connections, on its liveness route `GET /health/live` (public, no dependency checked). 10 s per measurement ' +
    '(3 s in --quick) after a warm-up.',
  async run(context) {
    const seconds = context.quick ? 3 : 10;
    const databaseUrl = await freshHubDatabase(context.environment);
    const hub = new HubDeployment(context.environment, databaseUrl);
    const [gateway] = await hub.start([{ service: 'gateway' }]);
    try {
      const submitter = await registerSubmitter(context.environment, gateway.url);
      const liveness = (duration: number) =>
        runLoad({
          url: `${gateway.url}/health/live`,
          method: 'GET',
          connections: INGEST_CLIENTS,
          durationSeconds: duration,
          expectedStatus: 200,
        });
      await ingestLoad(gateway.url, submitter, 'p2-warm', 2);
      await liveness(2);
      let failures = 0;
      const runs = await repeat(
        context,
        'ingest vs liveness',
        async (run) => {
          const submitted = await ingestLoad(gateway.url, submitter, `p2-${run}-${Date.now()}`, seconds);
          const noop = await liveness(seconds);
          failures += submitted.failures + noop.failures;
          return {
            figure: submitted.perSecond,
            baseline: noop.perSecond,
            holds: submitted.failures + noop.failures === 0,
            detail: {
              ingestP99Ms: submitted.latencyP99Ms,
              ingestFailures: submitted.failures,
              noopFailures: noop.failures,
            },
          };
        },
        (figures) =>
          `ingest ${Math.round(figures.figure)}/s, liveness ${Math.round(figures.baseline ?? 0)}/s`,
      );
      return [
        summarize(
          {
            id: 'P2',
            what: `Ingest: POST /v1/alerts answered 201, ${INGEST_CLIENTS} concurrent clients`,
            unit: 'req/s',
            baselineLabel: 'the gateway’s GET /health/live',
            targets: [
              { kind: 'ratio-at-least', value: 0.2 },
              { kind: 'holds', description: 'every request answered 201' },
            ],
          },
          runs,
          `${failures} non-2xx or failed requests`,
        ),
      ];
    } finally {
      await hub.stop();
    }
  },
};
