import { DELIVERY_CHANNEL } from '@hub/persistence';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { freePort, freshHubDatabase, withClient } from '../support/bench-environment';
import { type BenchOrganization, createSubscription, registerOrganization } from '../support/hub-api';
import { HubDeployment } from '../support/hub-deployment';
import { alertPublishedEvent } from '../support/records';
import { repeat, type Scenario, summarize } from '../support/scenario';
import { ServiceProcess } from '../support/service-process';

const SUBSCRIPTIONS = 1000;
/** The notifier's default WEBHOOK_MAX_IN_FLIGHT: the raw loop gets as many connections. */
const IN_FLIGHT = 32;

/** Matches `events` new events to every subscription in one transaction, as the router does, and wakes the notifier. */
async function queueDeliveries(
  databaseUrl: string,
  events: number,
  tag: string,
): Promise<{ committedAt: number; total: number }> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      "SELECT id FROM subscriptions WHERE delivery_type = 'webhook' ORDER BY id",
    );
    await client.query('BEGIN');
    for (let seq = 0; seq < events; seq += 1) {
      const event = alertPublishedEvent(tag, seq);
      await client.query(
        `WITH entries AS (
           INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event)
           SELECT s, $2::uuid, $3::uuid, $4, $5::jsonb FROM unnest($1::uuid[]) AS s
           RETURNING id, subscription_id, event_id)
         INSERT INTO webhook_deliveries (subscription_id, feed_entry_id, event_id)
         SELECT subscription_id, id, event_id FROM entries`,
        [rows.map((row) => row.id), event.id, event.subject, event.type, JSON.stringify(event)],
      );
    }
    await client.query('SELECT pg_notify($1, $2)', [DELIVERY_CHANNEL, '']);
    const committedAt = Date.now();
    await client.query('COMMIT');
    return { committedAt, total: rows.length * events };
  });
}

async function deliveredBy(databaseUrl: string, timeoutMs: number): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ pending: number; failed: number; last: Date | null }>(
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                max(completed_at) AS last FROM webhook_deliveries`,
      );
      if (rows[0].failed > 0) throw new Error(`${rows[0].failed} deliveries failed`);
      if (rows[0].pending === 0 && rows[0].last) return rows[0].last.getTime();
      if (Date.now() > deadline)
        throw new Error(`${rows[0].pending} deliveries still pending after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}

/** The raw loop: `IN_FLIGHT` clients POSTing the same body over keep-alive connections, `total` in all. */
async function rawPosts(url: string, body: string, total: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let sent = 0;
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/cloudevents+json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === 204
              ? resolve()
              : reject(new Error(`sink answered ${response.statusCode}`)),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < total) {
        sent += 1;
        await post();
      }
    }),
  );
  agent.destroy();
  return total / ((performance.now() - started) / 1000);
}

export const webhookDelivery: Scenario = {
  id: 'P11',
  title: 'Webhook delivery',
  method:
    `${SUBSCRIPTIONS.toLocaleString('en-US')} webhook subscriptions (created through the API, secrets sealed) of ten ` +
    'members point at one local receiver in its own process that reads each request and answers 204. Each run ' +
    'matches 10 new events to all of them in one committed transaction (10,000 deliveries; 3 events in --quick) and ' +
    'times the notifier (its own process, default settings: 32 in flight, one at a time per subscription) from the ' +
    'commit until the last delivery is marked delivered; every attempt is signed (Standard Webhooks) and recorded. ' +
    `Baseline: a raw HTTP POST loop with ${IN_FLIGHT} keep-alive connections sending the same event body as many times.`,
  async run(context) {
    const events = context.quick ? 3 : 10;
    const databaseUrl = await freshHubDatabase(context.environment);
    const sinkPort = await freePort();
    const sink = await ServiceProcess.start(context.environment.distRoot, context.environment.logDir, {
      name: 'webhook-sink',
      entry: 'bench/support/servers/webhook-sink.server.js',
      args: [String(sinkPort)],
      env: {},
      healthUrl: `http://127.0.0.1:${sinkPort}/`,
    });
    const hub = new HubDeployment(context.environment, databaseUrl);
    try {
      const [gateway] = await hub.start([{ service: 'gateway' }, { service: 'notifier' }]);
      const members: BenchOrganization[] = [];
      for (let n = 0; n < 10; n += 1) {
        members.push(
          await registerOrganization(gateway.url, context.environment.adminToken, {
            code: `partner-${n}`,
            kind: 'member',
            country: 'FR',
          }),
        );
      }
      for (let start = 0; start < SUBSCRIPTIONS; start += 10) {
        await Promise.all(
          members.map((member, n) =>
            createSubscription(gateway.url, member, {
              name: `Hook ${start + n}`,
              filter: { regions: ['europe'] },
              delivery: { type: 'webhook', url: `http://127.0.0.1:${sinkPort}/hooks/${start + n}` },
            }),
          ),
        );
      }
      const body = JSON.stringify(alertPublishedEvent('p11-raw', 0));
      const runs = await repeat(
        context,
        'notifier vs raw POST loop',
        async (run) => {
          const { committedAt, total } = await queueDeliveries(
            databaseUrl,
            events,
            `p11-${run}-${Date.now()}`,
          );
          const notifier = total / (((await deliveredBy(databaseUrl, 600_000)) - committedAt) / 1000);
          const raw = await rawPosts(`http://127.0.0.1:${sinkPort}/hooks/raw`, body, total);
          return { figure: notifier, baseline: raw };
        },
        (figures) => `notifier ${Math.round(figures.figure)}/s, raw ${Math.round(figures.baseline ?? 0)}/s`,
      );
      return [
        summarize(
          {
            id: 'P11',
            what: `Signed webhook deliveries per second, ${SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
            unit: 'deliveries/s',
            baselineLabel: 'raw HTTP POST loop to the same receiver',
            targets: [{ kind: 'ratio-at-least', value: 0.3 }],
          },
          runs,
          `${(events * SUBSCRIPTIONS).toLocaleString('en-US')} deliveries per run`,
        ),
      ];
    } finally {
      await hub.stop();
      await sink.stop();
    }
  },
};
