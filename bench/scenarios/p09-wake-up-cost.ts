import { freshHubDatabase } from '../support/bench-environment';
import { HubDeployment } from '../support/hub-deployment';
import { INGEST_CLIENTS, ingestLoad, registerSubmitter } from '../support/ingest';
import { repeat, type Scenario, summarize } from '../support/scenario';

export const wakeUpCost: Scenario = {
  id: 'P9',
  title: 'Wake-up cost',
  method:
    'A relay and two gateways in their own processes on one database: one as deployed (each write NOTIFYs the ' +
    'relay at commit), one with `OUTBOX_NOTIFY=false` (the relay finds its rows by its 1 s poll). The P2 load ' +
    `(${INGEST_CLIENTS} connections, a new ~1 KB alert per request, 10 s; 3 s in --quick) goes to each in turn while ` +
    'the relay publishes what they write. Figure: 201s per second with the wake-up; baseline: without it.',
  async run(context) {
    const seconds = context.quick ? 3 : 10;
    const databaseUrl = await freshHubDatabase(context.environment);
    const hub = new HubDeployment(context.environment, databaseUrl);
    const [notifying, polling] = await hub.start([
      { service: 'gateway' },
      { service: 'gateway', name: 'gateway-polled', env: { OUTBOX_NOTIFY: 'false' } },
      { service: 'relay' },
    ]);
    try {
      const submitter = await registerSubmitter(context.environment, notifying.url);
      await ingestLoad(notifying.url, submitter, 'p9-warm-a', 2);
      await ingestLoad(polling.url, submitter, 'p9-warm-b', 2);
      const runs = await repeat(
        context,
        'with vs without NOTIFY',
        async (run) => {
          const woken = await ingestLoad(notifying.url, submitter, `p9-notify-${run}-${Date.now()}`, seconds);
          const polled = await ingestLoad(polling.url, submitter, `p9-poll-${run}-${Date.now()}`, seconds);
          return {
            figure: woken.perSecond,
            baseline: polled.perSecond,
            holds: woken.failures + polled.failures === 0,
          };
        },
        (figures) => `with ${Math.round(figures.figure)}/s, without ${Math.round(figures.baseline ?? 0)}/s`,
      );
      return [
        summarize(
          {
            id: 'P9',
            what: 'Wake-up cost: ingest rate with the LISTEN/NOTIFY wake-up of the relay',
            unit: 'req/s',
            baselineLabel: 'ingest without it (relay polling)',
            targets: [
              { kind: 'ratio-at-least', value: 0.9 },
              { kind: 'holds', description: 'every request answered 201' },
            ],
          },
          runs,
          'relay running throughout',
        ),
      ];
    } finally {
      await hub.stop();
    }
  },
};
