import { publishedAlert as examplePublishedAlert } from '../testing/record.fixtures';
import { buildCloudEvent, EnvelopeError } from './hub-cloud-event.envelope';
import { EVENT_TYPES } from './hub-event.constants';
import { decodeKafkaMessage, decodeRegionalMessage, encodeKafkaMessage } from './kafka-binding.codec';
import {
  assertValidRecallEvent,
  buildRecallEvent,
  isRecallEvent,
  recallEventId,
} from './record-recall.event';

describe(buildRecallEvent.name, () => {
  const narrowing = buildCloudEvent({
    record: { ...examplePublishedAlert(), version: 2, handling: 'restricted', recipients: ['kr-customs'] },
    type: EVENT_TYPES.alertUpdated,
    id: '0b7f3c52-3f7e-4a59-9a55-2a4a3e0c6f11',
    source: 'https://hub.example/organizations/fr-douane',
    time: '2026-12-06T10:00:00.000Z',
  });
  const recall = buildRecallEvent(narrowing);

  it('names the record and the narrowing version, and nothing of its content or audience', () => {
    expect(recall).toEqual({
      specversion: '1.0',
      id: recallEventId(narrowing.id),
      source: narrowing.source,
      type: 'alert.recalled',
      subject: narrowing.subject,
      time: narrowing.time,
      datacontenttype: 'application/json',
      recordversion: 2,
      data: { id: narrowing.subject, version: 2 },
    });
    expect(isRecallEvent(recall)).toBe(true);
    expect(isRecallEvent(narrowing)).toBe(false);
  });

  it('derives one UUID per narrowing event, the same on every repeat', () => {
    expect(recallEventId(narrowing.id)).toBe(recallEventId(narrowing.id));
    expect(recallEventId(narrowing.id)).not.toBe(recallEventId('another-event'));
    expect(recallEventId(narrowing.id)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('travels on a regional stream without routing headers, and decodes there but never as a canonical event', () => {
    const message = encodeKafkaMessage(recall);
    expect(Object.keys(message.headers).sort()).toEqual(
      [
        'content-type',
        'ce_id',
        'ce_recordversion',
        'ce_source',
        'ce_specversion',
        'ce_subject',
        'ce_time',
        'ce_type',
      ].sort(),
    );
    expect(decodeRegionalMessage(message)).toEqual(recall);
    expect(decodeRegionalMessage(encodeKafkaMessage(narrowing))).toEqual(narrowing);
    expect(() => decodeKafkaMessage(message)).toThrow(EnvelopeError);
  });

  it('refuses a recall that carries content or disagrees with itself', () => {
    expect(() => assertValidRecallEvent({ ...recall, data: { ...recall.data, title: 'leak' } })).toThrow(
      EnvelopeError,
    );
    expect(() => assertValidRecallEvent({ ...recall, handling: 'restricted' })).toThrow(EnvelopeError);
    expect(() => assertValidRecallEvent({ ...recall, data: { ...recall.data, version: 1 } })).toThrow(
      /data.version must be the recordversion/,
    );
  });
});
