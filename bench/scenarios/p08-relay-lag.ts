import { freshHubDatabase, withClient } from '../support/bench-environment';
import { HubDeployment } from '../support/hub-deployment';
import { ingestLoad, registerSubmitter } from '../support/ingest';
import { bearer } from '../support/hub-api';
import { sendPaced } from '../support/load';
import { outboxDrained } from '../support/outbox-fill';
import { alertRequests } from '../support/pipeline';
import { repeat, type Scenario, summarize } from '../support/scenario';

export const relayLag: Scenario = {
  id: 'P8',
  title: 'Relay lag',
  method:
    'Gateway and relay in their own processes. A 3 s burst from 64 clients gives the gateway’s maximum ingest ' +
    'rate; then alerts are submitted at an even pace at half that rate for 20 s (8 s in --quick). For every outbox ' +
    'row of the run, the lag is `published_at − created_at` as PostgreSQL recorded them: from the writing ' +
    'transaction to the relay marking the row after Kafka’s acks=all acknowledgment. p99 over the run.',
  async run(context) {
    const seconds = context.quick ? 8 : 20;
    const databaseUrl = await freshHubDatabase(context.environment);
    const hub = new HubDeployment(context.environment, databaseUrl);
    const [gateway] = await hub.start([{ service: 'gateway' }, { service: 'relay' }]);
    try {
      const submitter = await registerSubmitter(context.environment, gateway.url);
      const burst = await ingestLoad(gateway.url, submitter, `p8-burst-${Date.now()}`, 3);
      const rate = Math.max(5, Math.floor(burst.perSecond / 2));
      await outboxDrained(databaseUrl, 120_000);
      context.progress.step(`maximum ingest ${Math.round(burst.perSecond)}/s; measuring at ${rate}/s`);
      const runs = await repeat(
        context,
        'commit → Kafka ack',
        async (run) => {
          const from = new Date();
          const outcomes = await sendPaced(
            `${gateway.url}/v1/alerts`,
            bearer(submitter),
            rate,
            alertRequests(`p8-${run}-${Date.now()}`, rate * seconds),
          );
          await outboxDrained(databaseUrl, 120_000);
          const lags = await withClient(databaseUrl, async (client) => {
            const { rows } = await client.query<{ p50: number; p99: number; rows: number }>(
              `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
                      percentile_disc(0.99) WITHIN GROUP (ORDER BY lag) AS p99, count(*)::int AS rows
                 FROM (SELECT EXTRACT(EPOCH FROM published_at - created_at) * 1000 AS lag
                         FROM outbox_events WHERE created_at >= $1) lags`,
              [from],
            );
            return rows[0];
          });
          const failed = outcomes.filter((outcome) => outcome.status !== 201).length;
          return {
            figure: Number(lags.p99),
            holds: failed === 0,
            detail: { p50: Number(lags.p50), rows: lags.rows, failed },
          };
        },
        (figures) => `p50 ${Number(figures.detail?.p50).toFixed(1)} ms, p99 ${figures.figure.toFixed(1)} ms`,
      );
      const p50 = runs.map((run) => Number(run.detail?.p50)).sort((a, b) => a - b)[
        Math.floor(runs.length / 2)
      ];
      return [
        summarize(
          {
            id: 'P8',
            what: 'Relay lag: outbox commit → Kafka acknowledgment, p99',
            unit: 'ms',
            baselineLabel: null,
            targets: [
              { kind: 'at-most', value: 50, unit: 'ms' },
              { kind: 'holds', description: 'every submission answered 201' },
            ],
          },
          runs,
          `p50 ${p50.toFixed(1)} ms; at ${rate} alerts/s (half of ${Math.round(burst.perSecond)}/s)`,
        ),
      ];
    } finally {
      await hub.stop();
    }
  },
};
