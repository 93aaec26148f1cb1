import { ConfigResourceTypes } from 'kafkajs';
import { regionalTopic } from '@hub/contracts';
import { routed, sampleAlert } from './support/fixtures';
import { api, captureServiceLogs, expectEventually, readTopic, testKafka } from './support/hub-harness';
import { memberOf, startHub, type TestHub } from './support/hub-context';

const EUROPE = regionalTopic('europe');
const MAX_MESSAGE_BYTES = 'max.message.bytes';

/** Sets a topic's max.message.bytes and answers the value it had before. */
async function setMaxMessageBytes(topic: string, value: string | null): Promise<string | null> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [MAX_MESSAGE_BYTES] }],
    });
    const entry = described.resources[0].configEntries.find(
      (config) => config.configName === MAX_MESSAGE_BYTES,
    );
    const previous = entry && !entry.isDefault ? entry.configValue : null;
    // Non-incremental alterConfigs replaces the topic's overrides: no entry means the broker's default.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: value === null ? [] : [{ name: MAX_MESSAGE_BYTES, value }],
        },
      ],
    });
    return previous;
  } finally {
    await admin.disconnect();
  }
}

interface RouterHealth {
  checks: { router: { up: boolean; detail: string } };
}

describe('a router whose consumer crashed for good starts a new one', () => {
  const logs = captureServiceLogs();
  let hub: TestHub;
  let restore: string | null | undefined;

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router'], env: { router: { LOG_LEVEL: 'info' } } });
  });

  afterAll(async () => {
    if (restore !== undefined) await setMaxMessageBytes(EUROPE, restore);
    await hub?.close();
    logs.stop();
  });

  it('routes again once the broker accepts its publications, having lost nothing', async () => {
    const france = await hub.organization(memberOf('FR'));
    // The broker refuses the regional publication (MESSAGE_TOO_LARGE is not retriable):
    // kafkajs crashes the consumer and does not restart it.
    restore = await setMaxMessageBytes(EUROPE, '64');
    const response = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: sampleAlert({
        ...routed('FR', 'DE'),
        entities: [],
        handling: 'region',
      }),
    });
    expect(response.status).toBe(201);
    const id = response.body.id;

    await expectEventually(
      async () => {
        const health = await api<RouterHealth>(hub.router!.url, 'GET', '/health');
        expect(health.status).toBe(503);
        expect(health.body.checks.router.up).toBe(false);
      },
      60_000,
      250,
    );
    await expectEventually(
      () => {
        const crashes = logs.lines
          .map((line) => JSON.parse(line) as { msg?: string; restart?: boolean; err?: string })
          .filter((line) => line.msg?.startsWith('router consumer crashed') === true);
        expect(crashes.length).toBeGreaterThanOrEqual(1);
        expect(crashes[0]).toMatchObject({ restart: false });
        return Promise.resolve();
      },
      60_000,
      250,
    );

    await setMaxMessageBytes(EUROPE, restore);
    restore = undefined;
    // The new consumer takes the batch again from the last committed offset.
    const messages = await readTopic(EUROPE, (seen) => seen.some((message) => message.key === id), 60_000);
    expect(messages.filter((message) => message.key === id)).toHaveLength(1);
    await expectEventually(
      async () => expect((await api(hub.router!.url, 'GET', '/health')).status).toBe(200),
      60_000,
      250,
    );
    // The routing's pace, for operators: each routed batch timed, each event's wait before its batch.
    const metrics = await (await fetch(`${hub.router!.url}/metrics`)).text();
    expect(metrics).toMatch(/^hub_router_batch_seconds_count\{service="router"\} [1-9]/m);
    expect(metrics).toMatch(/^hub_router_event_wait_seconds_count\{service="router"\} [1-9]/m);
  });
});
