import { randomBytes, randomUUID } from 'node:crypto';
import type { KafkaMessage as ConsumedMessage } from 'kafkajs';
import {
  buildCloudEvent,
  DEAD_LETTER_TOPICS,
  encodeKafkaMessage,
  EVENT_TYPES,
  examplePublishedAlert,
  type HubCloudEvent,
  type HubEventType,
  type KafkaMessage,
  PROVENANCE_HEADER,
  ProvenanceKey,
  ProvenanceSigner,
  ProvenanceVerifier,
  type PublishedRecord,
  decodeRegionalMessage,
  recallEventId,
  ROUTER_DEAD_LETTER_HEADERS,
  TOPICS,
} from '@hub/contracts';
import { eventFactsOf, SubscriptionIndex } from '@hub/matching';
import { HubMetrics } from '@hub/platform';
import { CanonicalEventIntake, UNVERIFIED_PROVENANCE } from './canonical-event-intake';
import { feedMatches, followedRecords, type SubscriptionView } from './feed-matches';
import { regionalPublications } from './regional-publications';
import type { RoutedSubscription } from './subscription-directory';

const key = ProvenanceKey.fromBase64(randomBytes(32).toString('base64'));
const signer = new ProvenanceSigner(key);
const metrics = new HubMetrics('router-unit');
const origin = { topic: TOPICS.alerts, partition: 2 };

function event(
  type: HubEventType = EVENT_TYPES.alertPublished,
  version = 1,
  handling: PublishedRecord['handling'] = 'community',
): HubCloudEvent<PublishedRecord> {
  return buildCloudEvent({
    record: {
      ...examplePublishedAlert(),
      version,
      handling,
      // A restricted record names its readers: Germany only.
      ...(handling === 'restricted' ? { recipients: ['de-zoll'] } : {}),
    },
    type,
    id: randomUUID(),
    source: '/organizations/fr-douane',
    time: '2026-03-01T09:00:00.000Z',
  });
}

/** A message as kafkajs hands it to the router, at an offset. */
function consumed(message: KafkaMessage, offset: string): ConsumedMessage {
  return {
    key: Buffer.from(message.key),
    value: Buffer.from(message.value),
    headers: Object.fromEntries(
      Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)]),
    ),
    offset,
    timestamp: '0',
    attributes: 0,
  };
}

describe(CanonicalEventIntake.name, () => {
  const intake = new CanonicalEventIntake(new ProvenanceVerifier([key]), metrics);

  it('admits what the relay signed, in order, and sets aside a forgery and an undecodable message', () => {
    const first = event();
    const second = event(EVENT_TYPES.alertUpdated, 2);
    const forged = encodeKafkaMessage(event());
    forged.headers['ce_subject'] = 'record\u0000with a NUL';
    const garbled = signer.sign(TOPICS.alerts, { ...encodeKafkaMessage(event()), value: '{not json' });
    const result = intake.take(origin, [
      consumed(signer.sign(TOPICS.alerts, encodeKafkaMessage(first)), '10'),
      consumed(forged, '11'),
      consumed(garbled, '12'),
      consumed(signer.sign(TOPICS.alerts, encodeKafkaMessage(second)), '13'),
    ]);

    expect(result.events.map((admitted) => admitted.id)).toEqual([first.id, second.id]);
    expect(result.deadLetters.map((letter) => letter.topic)).toEqual([
      DEAD_LETTER_TOPICS.router,
      DEAD_LETTER_TOPICS.router,
    ]);
    const [forgery, undecodable] = result.deadLetters;
    expect(forgery.headers).toMatchObject({
      [ROUTER_DEAD_LETTER_HEADERS.sourceTopic]: TOPICS.alerts,
      [ROUTER_DEAD_LETTER_HEADERS.sourcePartition]: '2',
      [ROUTER_DEAD_LETTER_HEADERS.sourceOffset]: '11',
    });
    expect(forgery.headers?.[ROUTER_DEAD_LETTER_HEADERS.error]).toMatch(
      new RegExp(`^${UNVERIFIED_PROVENANCE}: `),
    );
    expect(Object.keys(forgery.headers ?? {})).not.toContain(PROVENANCE_HEADER);
    expect(undecodable.headers?.[ROUTER_DEAD_LETTER_HEADERS.error]).not.toMatch(UNVERIFIED_PROVENANCE);
    expect(String(undecodable.value)).toBe('{not json');

    expect(result.refusals.map((entry) => entry.dedupeKey)).toEqual([
      `dead-letter:${TOPICS.alerts}:2:11`,
      `dead-letter:${TOPICS.alerts}:2:12`,
    ]);
    const refusal = result.refusals[0];
    expect(refusal).toMatchObject({ action: 'event.dead-lettered', outcome: 'refused' });
    expect(refusal.recordIds).toBeUndefined();
    expect(refusal.eventIds).toBeUndefined();
    expect((refusal.detail as { claimed: { subject: string } }).claimed.subject).toBe('record?with a NUL');
  });
});

describe(regionalPublications.name, () => {
  it('puts each event on its regions’ streams with one audit entry per topic and event, and a restricted one nowhere', () => {
    const shared = event();
    const restricted = event(EVENT_TYPES.alertPublished, 1, 'restricted');
    const events = [shared, restricted];
    const { messages, entries } = regionalPublications(
      events,
      events.map((each) => eventFactsOf(each.data)),
    );
    const topics = messages.map((message) => message.topic);
    expect(topics.length).toBeGreaterThan(0);
    expect(messages.every((message) => message.key === shared.subject)).toBe(true);
    expect(entries.map((entry) => entry.resourceId)).toEqual(topics);
    expect(entries.map((entry) => entry.dedupeKey)).toEqual(
      topics.map((topic) => `regional-stream:${topic}:${shared.id}`),
    );
  });

  it('recalls a record, without content, from the streams of the regions a revision took it from', () => {
    const published = event();
    const restricted = event(EVENT_TYPES.alertUpdated, 2, 'restricted');
    const facts = eventFactsOf(restricted.data);
    const { messages, entries } = regionalPublications(
      [restricted],
      [facts],
      new Map([[restricted.id, eventFactsOf(published.data)]]),
    );
    const streams = published.data.regions.map((region) => `hub.region.${region}.v1`);
    expect(messages.map((message) => message.topic).sort()).toEqual([...streams].sort());
    for (const message of messages) {
      expect(message.headers.ce_type).toBe('alert.recalled');
      expect(message.headers.ce_id).toBe(recallEventId(restricted.id));
      expect(JSON.parse(String(message.value))).toEqual({ id: restricted.subject, version: 2 });
      expect(Object.keys(message.headers).sort()).toEqual(
        [
          'content-type',
          'ce_specversion',
          'ce_id',
          'ce_source',
          'ce_type',
          'ce_subject',
          'ce_time',
          'ce_recordversion',
        ].sort(),
      );
      expect(decodeRegionalMessage(message)).toMatchObject({ type: 'alert.recalled', recordversion: 2 });
    }
    expect(entries.map((entry) => entry.dedupeKey)).toEqual(
      messages.map((message) => `regional-stream:${message.topic}:${recallEventId(restricted.id)}`),
    );
    // A revision that keeps its regions recalls nothing.
    const kept = event(EVENT_TYPES.alertUpdated, 2);
    expect(
      regionalPublications(
        [kept],
        [eventFactsOf(kept.data)],
        new Map([[kept.id, eventFactsOf(published.data)]]),
      ).messages.every((message) => message.headers.ce_type === 'alert.updated'),
    ).toBe(true);
  });
});

describe(feedMatches.name, () => {
  /** Subscriptions over a real index: France takes everything, Kenya only what concerns Kenya. */
  function subscriptions(): SubscriptionView {
    const index = new SubscriptionIndex();
    const live = new Map<string, RoutedSubscription>();
    const add = (id: string, subscription: RoutedSubscription, filter: object) => {
      index.upsert({ id, subscriber: subscription.subscriber, filter });
      live.set(id, subscription);
    };
    add(
      'fr',
      { id: 'fr', subscriber: { code: 'fr-douane', kind: 'member', country: 'FR' }, webhook: true },
      {},
    );
    add(
      'ke',
      { id: 'ke', subscriber: { code: 'ke-kra', kind: 'member', country: 'KE' }, webhook: false },
      { countries: ['KE'] },
    );
    return { index, get: (id) => live.get(id) };
  }

  it('matches by filter, follows an update to earlier recipients, within the batch too', () => {
    const published = event();
    const updated = event(EVENT_TYPES.alertUpdated, 2);
    const events = [published, updated];
    expect(followedRecords(events)).toEqual([updated.subject]);
    // Kenya received version 0 earlier, by a filter it no longer has.
    const prior = new Map([[published.subject, ['ke']]]);
    const matches = feedMatches(
      events,
      events.map((each) => eventFactsOf(each.data)),
      prior,
      subscriptions(),
    );
    expect(matches.map((match) => [match.subscriptionId, match.eventId, match.webhook])).toEqual([
      ['fr', published.id, true],
      ['fr', updated.id, true],
      ['ke', updated.id, false],
    ]);
    expect(prior.get(published.subject)).toEqual(['ke', 'fr']);
  });

  it('recalls the record, without content, from an earlier recipient that may no longer read it', () => {
    const restricted = event(EVENT_TYPES.alertUpdated, 3, 'restricted');
    const prior = new Map([[restricted.subject, ['ke']]]);
    const matches = feedMatches([restricted], [eventFactsOf(restricted.data)], prior, subscriptions());
    // France wrote it and still reads it; Kenya is no longer among its readers: it gets the recall.
    expect(matches.map((match) => [match.subscriptionId, match.eventType])).toEqual([
      ['ke', 'alert.recalled'],
      ['fr', 'alert.updated'],
    ]);
    const recall = matches[0];
    expect(recall).toMatchObject({
      recordId: restricted.subject,
      recordVersion: 3,
      eventId: recallEventId(restricted.id),
    });
    expect(recall.event).toEqual({
      specversion: '1.0',
      id: recallEventId(restricted.id),
      source: restricted.source,
      type: 'alert.recalled',
      subject: restricted.subject,
      time: restricted.time,
      datacontenttype: 'application/json',
      recordversion: 3,
      data: { id: restricted.subject, version: 3 },
    });
    // Kenya holds the record no more: a later revision in the batch recalls nothing again.
    expect(prior.get(restricted.subject)).toEqual(['fr']);
  });

  it('recalls a version matched earlier in the same batch', () => {
    const published = event();
    const restricted = event(EVENT_TYPES.alertUpdated, 2, 'restricted');
    const events = [published, restricted];
    const matches = feedMatches(
      events,
      events.map((each) => eventFactsOf(each.data)),
      new Map(),
      subscriptions(),
    );
    expect(matches.map((match) => [match.subscriptionId, match.eventType])).toEqual([
      ['fr', 'alert.published'],
      ['fr', 'alert.updated'],
    ]);
    const kenyan = event(EVENT_TYPES.alertPublished, 1);
    const kenyanRestricted = {
      ...restricted,
      subject: kenyan.subject,
      data: { ...restricted.data, id: kenyan.subject },
    };
    const both = [kenyan, kenyanRestricted];
    const withKenya = feedMatches(
      both,
      both.map((each) => eventFactsOf({ ...each.data, countries: ['KE', 'FR'] })),
      new Map(),
      subscriptions(),
    );
    expect(withKenya.map((match) => [match.subscriptionId, match.eventType])).toEqual([
      ['ke', 'alert.published'],
      ['fr', 'alert.published'],
      ['ke', 'alert.recalled'],
      ['fr', 'alert.updated'],
    ]);
  });
});
