import Ajv2020 from 'ajv/dist/2020';
import { type CloudEvent, HTTP, Kafka, type KafkaMessage } from 'cloudevents';
import { TOPICS, WCO_REGIONS, regionalTopic } from '@hub/contracts';
import { sampleAlert, sampleSeizure } from './support/fixtures';
import {
  type ConsumedMessage,
  expectEventually,
  readTopic,
  readTopicToEnd,
  type TestOrganization,
} from './support/hub-harness';
import { memberOf, partnerAgency, startHub, type TestHub } from './support/hub-context';

/** A public URL unlike the gateway's own address, so the test sees it is the configured one. */
const HUB_PUBLIC_URL = 'https://hub.customs.test';
const EXTENSION_NAME = /^[a-z0-9]+$/;

/** What the CloudEvents spec asks of every event, checked beyond the SDK's own validation. */
function expectConformant(event: CloudEvent<unknown>, where: string): void {
  expect({ where, valid: event.validate() }).toEqual({ where, valid: true });
  expect(event.specversion).toBe('1.0');
  for (const [name, value] of Object.entries(event.toJSON())) {
    // The SDK's object lists the attributes it knows even when the event has none of them.
    if (value === undefined) continue;
    if (
      [
        'specversion',
        'id',
        'source',
        'type',
        'subject',
        'time',
        'datacontenttype',
        'dataschema',
        'data',
      ].includes(name)
    )
      continue;
    // Extension attributes: lowercase alphanumeric names; values of a CloudEvents type: a String
    // (every Kafka header), or an Integer (recordversion in the structured JSON form: a JSON number
    // within the spec's signed 32-bit range).
    const typed =
      typeof value === 'string' || (Number.isInteger(value) && Math.abs(value as number) <= 2_147_483_647);
    expect({ where, name, ok: EXTENSION_NAME.test(name) && typed }).toEqual({
      where,
      name,
      ok: true,
    });
  }
}

function kafkaEvent(message: ConsumedMessage): CloudEvent<unknown> {
  const received: KafkaMessage<string> = {
    key: message.key ?? '',
    value: message.value,
    body: message.value,
    headers: message.headers,
  };
  return Kafka.toEvent(received) as CloudEvent<unknown>;
}

describe('CloudEvents conformance under the CNCF cloudevents SDK', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let iaea: TestOrganization;
  const recordIds: string[] = [];

  beforeAll(async () => {
    hub = await startHub({
      gateway: { env: { HUB_PUBLIC_URL } },
      services: ['relay', 'router', 'notifier'],
      receiver: { secret: null },
    });
    ({ france, iaea } = await hub.organizations({ france: memberOf('FR'), iaea: partnerAgency() }));
    await hub.subscribe(iaea, {
      name: 'Nuclear',
      filter: { categories: ['nuclear'] },
      delivery: { type: 'webhook', url: hub.receiver.url },
    });
    // Published, updated and withdrawn: every event type of both records reaches the topics.
    for (const [path, body, revision] of [
      [
        '/v1/alerts',
        sampleAlert({ handling: 'community' }),
        { title: 'Maraging steel tubes, second shipment' },
      ],
      [
        '/v1/seizures',
        sampleSeizure({ handling: 'members' }),
        { narrative: 'Laboratory analysis confirmed.' },
      ],
    ] as const) {
      const created = await hub.api<{ id: string }>('POST', path, { key: france.apiKey, body });
      expect(created.status).toBe(201);
      recordIds.push(created.body.id);
      const revised = await hub.api('PATCH', `${path}/${created.body.id}`, {
        key: france.apiKey,
        body: revision,
      });
      expect(revised.status).toBe(200);
      expect(
        (await hub.api('POST', `${path}/${created.body.id}/withdraw`, { key: france.apiKey })).status,
      ).toBe(200);
    }
  }, 180_000);

  afterAll(() => hub?.close());

  it('converts every message of the canonical and regional topics with the Kafka binding, each valid', async () => {
    // The test's own events first, so the topics are read to an end that includes them.
    await readTopic(
      TOPICS.seizures,
      (seen) => seen.filter((message) => message.key === recordIds[1]).length >= 3,
    );
    await expectEventually(async () => {
      const europe = await readTopicToEnd(regionalTopic('europe'));
      expect(europe.filter((message) => recordIds.includes(message.key ?? '')).length).toBe(6);
    }, 60_000);

    let checked = 0;
    const ours: CloudEvent<unknown>[] = [];
    for (const topic of [TOPICS.alerts, TOPICS.seizures, ...WCO_REGIONS.map(regionalTopic)]) {
      for (const message of await readTopicToEnd(topic)) {
        const event = kafkaEvent(message);
        expectConformant(event, `${topic}@${message.partition}:${message.offset}`);
        checked += 1;
        if (recordIds.includes(String(event.subject))) ours.push(event);
      }
    }
    process.stdout.write(`cloudevents SDK (Kafka binding): ${checked} of ${checked} messages valid\n`);
    expect(ours.length).toBeGreaterThanOrEqual(12);
    for (const event of ours) {
      expect(event.source).toBe(`${HUB_PUBLIC_URL}/organizations/${france.code}`);
      expect(new URL(event.source).protocol).toBe('https:');
      expect(event.dataschema).toBe(
        `${HUB_PUBLIC_URL}/schemas/${String(event.type).startsWith('alert.') ? 'PublishedAlert' : 'PublishedSeizureNotice'}.schema.json`,
      );
    }
  }, 240_000);

  it('names in dataschema a schema the hub publishes, which the record satisfies', async () => {
    const ours = (
      await readTopic(TOPICS.alerts, (seen) => seen.some((message) => message.key === recordIds[0]))
    )
      .map(kafkaEvent)
      .find((candidate) => candidate.subject === recordIds[0]);
    expect(ours?.dataschema).toBeDefined();
    // The public URL is the hub's: the same path answers on the gateway under test.
    const schemaResponse = await fetch(`${hub.url}${new URL(String(ours!.dataschema)).pathname}`);
    expect(schemaResponse.status).toBe(200);
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(
      (await schemaResponse.json()) as object,
    );
    expect(validate(ours!.data)).toBe(true);
  });

  it('names the same public URL as the OpenAPI server', async () => {
    const document = await hub.api<{ servers: { variables: { hub: { default: string } } }[] }>(
      'GET',
      '/docs-json',
    );
    expect(document.body.servers[0].variables.hub.default).toBe(HUB_PUBLIC_URL);
  });

  it('posts webhooks as structured CloudEvents the HTTP binding converts, each valid', async () => {
    await expectEventually(() => expect(hub.receiver.requests.length).toBeGreaterThanOrEqual(3), 60_000);
    for (const request of hub.receiver.requests) {
      expect(request.headers['content-type']).toBe('application/cloudevents+json');
      const event = HTTP.toEvent({
        headers: request.headers,
        body: request.body,
      }) as CloudEvent<unknown>;
      expectConformant(event, `webhook ${String(request.headers['webhook-id'])}`);
      expect(event.source).toBe(`${HUB_PUBLIC_URL}/organizations/${france.code}`);
      expect(event.dataschema).toBe(`${HUB_PUBLIC_URL}/schemas/PublishedAlert.schema.json`);
    }
    process.stdout.write(`cloudevents SDK (HTTP binding): ${hub.receiver.requests.length} webhooks valid\n`);
  });
});
