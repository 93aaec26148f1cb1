import { publishedAlert, publishedSeizure } from '../testing/record.fixtures';
import type { PublishedRecord } from '../records/published-record.record';
import { EVENT_TYPES, type HubEventType } from './hub-event.constants';
import { TOPICS, canonicalTopicFor, regionalTopic } from './topic.catalog';
import { EnvelopeError, buildCloudEvent, type HubCloudEvent } from './hub-cloud-event.envelope';
import { decodeKafkaMessage, encodeKafkaMessage, type KafkaMessage } from './kafka-binding.codec';

function eventFor(
  record: PublishedRecord,
  type: HubEventType = EVENT_TYPES.alertPublished,
): HubCloudEvent<PublishedRecord> {
  return buildCloudEvent({
    record,
    type,
    id: '7d0f5a9e-1c55-4a8e-9d8e-3f3c3c1b9e11',
    source: `/organizations/${record.originator}`,
    time: '2026-03-01T09:00:00.000Z',
  });
}

function expectEnvelopeError(run: () => unknown, reason: EnvelopeError['reason'], field?: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    const envelopeError = error as EnvelopeError;
    expect(envelopeError.reason).toBe(reason);
    if (field !== undefined)
      expect(envelopeError.violations.map((violation) => violation.field)).toContain(field);
    return;
  }
  throw new Error(`expected an EnvelopeError (${reason})`);
}

describe(buildCloudEvent.name, () => {
  it('derives the extension attributes from the record', () => {
    const event = eventFor(publishedAlert());
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'alert.published',
      subject: publishedAlert().id,
      datacontenttype: 'application/json',
      regions: 'asia-pacific,europe,mena',
      countries: 'AE,CN,FR,IR',
      hscodes: '28121900,848180',
      categories: 'chemical,dual-use',
      handling: 'community',
      originator: 'fr-douane',
      recordversion: 1,
    });
    expect(event.data).toEqual(publishedAlert());
  });

  it('refuses an event type of the other record type, or a status the event contradicts', () => {
    expectEnvelopeError(() => eventFor(publishedSeizure(), EVENT_TYPES.alertUpdated), 'inconsistent', 'type');
    expectEnvelopeError(
      () => eventFor(publishedSeizure(), EVENT_TYPES.seizureWithdrawn),
      'inconsistent',
      'data.status',
    );
    const withdrawn = {
      ...publishedSeizure(),
      status: 'withdrawn' as const,
      version: 2,
      withdrawnAt: '2026-03-02T10:00:00Z',
    };
    expect(eventFor(withdrawn, EVENT_TYPES.seizureWithdrawn).recordversion).toBe(2);
  });

  it('refuses an invalid record', () => {
    expectEnvelopeError(() => eventFor({ ...publishedAlert(), title: '' }), 'invalid-data', 'data.title');
  });
});

describe(encodeKafkaMessage.name, () => {
  it('uses binary mode: record id as key, data as value, attributes as ce_ headers', () => {
    const event = eventFor(publishedSeizure(), EVENT_TYPES.seizurePublished);
    const message = encodeKafkaMessage(event);
    expect(message.key).toBe(publishedSeizure().id);
    expect(JSON.parse(String(message.value))).toEqual(publishedSeizure());
    expect(message.headers).toEqual({
      'content-type': 'application/json',
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: '/organizations/de-zoll',
      ce_type: 'seizure.published',
      ce_subject: publishedSeizure().id,
      ce_time: '2026-03-01T09:00:00.000Z',
      ce_regions: 'americas,europe',
      ce_countries: 'BR,DE,KZ',
      ce_hscodes: '284410',
      ce_categories: 'nuclear',
      ce_handling: 'restricted',
      ce_originator: 'de-zoll',
      ce_recordversion: '1',
    });
    for (const name of Object.keys(message.headers))
      expect(name).toMatch(/^(content-type|ce_[a-z0-9]{1,20})$/);
  });
});

describe(decodeKafkaMessage.name, () => {
  function asReceived(message: KafkaMessage): Parameters<typeof decodeKafkaMessage>[0] {
    return {
      key: Buffer.from(message.key),
      value: Buffer.from(String(message.value)),
      headers: Object.fromEntries(
        Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)]),
      ),
    };
  }

  it('round-trips an event through Kafka as kafkajs delivers it', () => {
    for (const event of [
      eventFor(publishedAlert()),
      eventFor(publishedSeizure(), EVENT_TYPES.seizurePublished),
    ]) {
      expect(decodeKafkaMessage(asReceived(encodeKafkaMessage(event)))).toEqual(event);
    }
  });

  it('keeps the optional dataschema attribute', () => {
    const event = buildCloudEvent({
      ...eventFor(publishedAlert()),
      record: publishedAlert(),
      dataschema: 'urn:cosmo-hub:contracts:v1:PublishedAlert',
    });
    expect(decodeKafkaMessage(encodeKafkaMessage(event)).dataschema).toBe(
      'urn:cosmo-hub:contracts:v1:PublishedAlert',
    );
  });

  const valid = (): KafkaMessage => encodeKafkaMessage(eventFor(publishedAlert()));

  it('refuses another content type', () => {
    const message = valid();
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, headers: { ...message.headers, 'content-type': 'text/plain' } }),
      'unsupported-content-type',
    );
  });

  it('refuses a missing or malformed attribute', () => {
    const message = valid();
    const { ce_type: _type, ...withoutType } = message.headers;
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, headers: withoutType }),
      'invalid-attributes',
      'type',
    );
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, headers: { ...message.headers, ce_recordversion: 'one' } }),
      'invalid-attributes',
      'recordversion',
    );
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, headers: { ...message.headers, ce_specversion: '0.3' } }),
      'invalid-attributes',
      'specversion',
    );
  });

  it('refuses a repeated attribute', () => {
    const message = valid();
    expectEnvelopeError(
      () =>
        decodeKafkaMessage({
          ...message,
          headers: { ...message.headers, ce_handling: ['community', 'restricted'] },
        }),
      'malformed',
      'ce_handling',
    );
  });

  it('refuses a value that is not JSON, or missing', () => {
    expectEnvelopeError(() => decodeKafkaMessage({ ...valid(), value: '{"id": ' }), 'malformed', 'data');
    expectEnvelopeError(() => decodeKafkaMessage({ ...valid(), value: null }), 'malformed', 'data');
  });

  it('refuses a record that breaks the standard', () => {
    const message = valid();
    const data = {
      ...publishedAlert(),
      commodities: [{ hsCode: '7700', description: 'x', category: 'nuclear' }],
    };
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, value: JSON.stringify(data) }),
      'invalid-data',
      'data.commodities[0].hsCode',
    );
  });

  it('refuses headers that say something else than the record (a router would misroute)', () => {
    const message = valid();
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, headers: { ...message.headers, ce_handling: 'members' } }),
      'inconsistent',
      'handling',
    );
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, headers: { ...message.headers, ce_regions: 'europe' } }),
      'inconsistent',
      'regions',
    );
    expectEnvelopeError(
      () => decodeKafkaMessage({ ...message, key: 'another-record' }),
      'inconsistent',
      'key',
    );
  });
});

describe('topics', () => {
  it('name canonical and regional topics', () => {
    expect(canonicalTopicFor('alert')).toBe(TOPICS.alerts);
    expect(canonicalTopicFor('seizure')).toBe('hub.seizures.v1');
    expect(regionalTopic('east-southern-africa')).toBe('hub.region.east-southern-africa.v1');
  });
});
