import { TOPICS } from '@hub/contracts';
import { ensureKafkaBroker, stopKafkaBroker } from '../apps/launcher/src/kafka-broker';
import { sampleAlert } from './support/fixtures';
import { api, expectEventually, readTopic, withDatabase } from './support/hub-harness';
import { memberOf, startHub, type TestHub } from './support/hub-context';

const RECORDS_DURING_OUTAGE = 25;

describe('a broker outage loses nothing that was acknowledged', () => {
  let hub: TestHub;

  beforeAll(async () => {
    if (process.env.HUB_TEST_BROKER_MANAGED !== 'true') {
      throw new Error(
        'this test stops and restarts the broker: run it against the project broker (unset KAFKA_BROKERS)',
      );
    }
    hub = await startHub({ services: ['relay', 'router'] });
  });

  afterAll(async () => {
    await hub?.close();
    await ensureKafkaBroker({ log: () => undefined });
  });

  it('accepts records while the broker is down and publishes each of them once it is back', async () => {
    const member = await hub.organization(memberOf('DE'));
    expect(await stopKafkaBroker({ log: () => undefined })).toBe(true);

    // The router's consumer gives up on the lost broker (kafkajs reports a crash and restarts it).
    await expectEventually(
      async () => {
        const health = await api<{ checks: Record<string, { up: boolean }> }>(
          hub.router!.url,
          'GET',
          '/health',
        );
        expect(health.body.checks.router.up).toBe(false);
      },
      60_000,
      250,
    );

    const ids: string[] = [];
    for (let index = 0; index < RECORDS_DURING_OUTAGE; index += 1) {
      const response = await hub.api<{ id: string }>('POST', '/v1/alerts', {
        key: member.apiKey,
        body: sampleAlert(),
      });
      expect(response.status).toBe(201);
      ids.push(response.body.id);
    }
    const health = await api<{ status: string; checks: Record<string, { up: boolean }> }>(
      hub.relay!.url,
      'GET',
      '/health',
    );
    expect(health.status).toBe(503);
    expect(health.body.checks.kafka.up).toBe(false);
    const pending = await withDatabase((client) =>
      client.query(
        "SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND event->>'subject' = ANY($1)",
        [ids],
      ),
    );
    expect(pending.rows[0].n).toBe(RECORDS_DURING_OUTAGE);

    await ensureKafkaBroker({ log: () => undefined });
    await expectEventually(
      async () => {
        const left = await withDatabase((client) =>
          client.query(
            "SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND event->>'subject' = ANY($1)",
            [ids],
          ),
        );
        expect(left.rows[0].n).toBe(0);
      },
      90_000,
      250,
    );

    // Back in its group, the router reports healthy again (a crash while the broker was away is over).
    await expectEventually(
      async () => expect((await api(hub.router!.url, 'GET', '/health')).status).toBe(200),
      90_000,
      250,
    );

    const wanted = new Set(ids);
    const messages = await readTopic(
      TOPICS.alerts,
      (seen) =>
        new Set(seen.filter((message) => wanted.has(message.key ?? '')).map((message) => message.key))
          .size === ids.length,
      60_000,
    );
    const mine = messages.filter((message) => wanted.has(message.key ?? ''));
    expect(new Set(mine.map((message) => message.key)).size).toBe(RECORDS_DURING_OUTAGE);
    // The idempotent producer and the mark-after-ack keep each event on the topic once.
    expect(mine).toHaveLength(RECORDS_DURING_OUTAGE);
  });
});
