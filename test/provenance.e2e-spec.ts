import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import {
  buildCloudEvent,
  DEAD_LETTER_TOPICS,
  encodeKafkaMessage,
  EVENT_TYPES,
  PROVENANCE_HEADER,
  ProvenanceKey,
  ProvenanceVerifier,
  type PublishedAlert,
  regionalTopic,
  TOPICS,
  type KafkaMessage,
} from '@hub/contracts';
import { sampleAlert } from './support/fixtures';
import { memberOf, partnerAgency, startHub, theSecretariat, type TestHub } from './support/hub-context';
import {
  type ConsumedMessage,
  EVENT_SIGNING_KEY,
  expectEventually,
  readTopic,
  readTopicToEnd,
  type TestOrganization,
  testKafka,
  withDatabase,
} from './support/hub-harness';

interface StoredAlert {
  id: string;
  regions: string[];
}
interface FeedPage {
  events: { id: string; subject: string; type: string }[];
}
interface AuditPage {
  entries: {
    action: string;
    outcome: string;
    actor: { code: string | null };
    resource: { type: string; id: string | null };
    recordIds: string[];
    eventIds: string[];
    detail: Record<string, unknown>;
  }[];
}

const REGIONS = ['asia-pacific', 'europe', 'mena'] as const;

/** A message as a plain producer sends it again: exactly what was read, or a changed copy. */
function asSent(message: ConsumedMessage): KafkaMessage {
  return { key: message.key ?? '', value: message.value, headers: { ...message.headers } };
}

describe('provenance: the router routes only what the relay published', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let germany: TestOrganization;
  let partner: TestOrganization;
  let secretariat: TestOrganization;
  let feedId: string;
  let hookId: string;
  let producer: Producer;

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router', 'notifier'], receiver: { secret: null } });
    ({ france, germany, partner, secretariat } = await hub.organizations({
      france: memberOf('FR'),
      germany: memberOf('DE'),
      partner: partnerAgency(),
      secretariat: theSecretariat(),
    }));
    // A member's pull feed and a partner agency's webhook, both for nuclear goods.
    const nuclear = { name: 'Nuclear', filter: { categories: ['nuclear'] } };
    feedId = (await hub.subscribe(germany, nuclear)).id;
    hookId = (
      await hub.subscribe(partner, { ...nuclear, delivery: { type: 'webhook', url: hub.receiver.url } })
    ).id;
    producer = testKafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await hub?.close();
  });

  async function submit(handling: string): Promise<StoredAlert> {
    const created = await hub.api<StoredAlert>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: sampleAlert({ handling }),
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  /** The relay's message for a record, read back from the canonical topic. */
  async function relayMessage(recordId: string): Promise<ConsumedMessage> {
    const messages = await readTopic(TOPICS.alerts, (seen) =>
      seen.some((message) => message.headers.ce_subject === recordId),
    );
    const found = messages.find((message) => message.headers.ce_subject === recordId);
    if (!found) throw new Error(`no relay message for ${recordId}`);
    return found;
  }

  async function auditEntries(query: string): Promise<AuditPage['entries']> {
    const page = await hub.api<AuditPage>('GET', `/v1/audit?${query}&limit=500`, {
      key: secretariat.apiKey,
    });
    expect(page.status).toBe(200);
    return page.body.entries;
  }

  async function feedEvents(): Promise<FeedPage['events']> {
    const page = await hub.api<FeedPage>('GET', `/v1/subscriptions/${feedId}/events?limit=100`, {
      key: germany.apiKey,
    });
    expect(page.status).toBe(200);
    return page.body.events;
  }

  it('dead-letters a forged event, a tampered copy and a replayed signature, and routes the genuine ones', async () => {
    // Genuine: a community alert (every channel: feed, webhook, regional topics) and a members one (not the partner).
    const community = await submit('community');
    const members = await submit('members');
    expect(community.regions).toEqual([...REGIONS]);
    await expectEventually(async () => {
      expect((await feedEvents()).map((event) => event.subject).sort()).toEqual(
        [community.id, members.id].sort(),
      );
      expect(hub.receiver.requests.map((request) => JSON.parse(request.body).subject as string)).toEqual([
        community.id,
      ]);
    }, 30_000);
    const genuineCommunity = await relayMessage(community.id);
    const genuineMembers = await relayMessage(members.id);
    const verifier = new ProvenanceVerifier([ProvenanceKey.fromBase64(EVENT_SIGNING_KEY)]);
    // The relay signed them, and a copy sent as read would still verify: the refusals below are the changes'.
    expect(genuineCommunity.headers[PROVENANCE_HEADER]).toMatch(/^v1;kid=[A-Za-z0-9_-]+;sig=/);
    for (const genuine of [genuineCommunity, genuineMembers])
      expect(verifier.verify(TOPICS.alerts, asSent(genuine)).verified).toBe(true);

    // 1. A well-formed alert.published "from" a registered member, for a record that does not exist,
    //    matching the feed, the webhook and three regions: written by a plain producer.
    const forgedRecord: PublishedAlert = {
      ...(JSON.parse(genuineCommunity.value) as PublishedAlert),
      id: randomUUID(),
      reference: `FORGED-${randomUUID().slice(0, 8)}`,
      title: 'FORGED alert in the name of a member',
    };
    const forged = encodeKafkaMessage(
      buildCloudEvent({
        record: forgedRecord,
        type: EVENT_TYPES.alertPublished,
        id: randomUUID(),
        source: `/organizations/${france.code}`,
        time: new Date().toISOString(),
      }),
    );

    // 2. The genuine members alert with its data widened to community (header and body agree), same signature.
    const widened = asSent(genuineMembers);
    widened.value = String(widened.value).replace(/"handling":\s*"members"/, '"handling": "community"');
    widened.headers.ce_handling = 'community';
    expect(widened.value).not.toBe(genuineMembers.value);

    // 3. The genuine community alert's signature replayed on another record id (and a fresh event id).
    const replayedRecord = randomUUID();
    const replayed = asSent(genuineCommunity);
    replayed.key = replayedRecord;
    replayed.headers.ce_subject = replayedRecord;
    replayed.headers.ce_id = randomUUID();
    replayed.value = String(replayed.value).split(community.id).join(replayedRecord);

    await producer.send({ topic: TOPICS.alerts, acks: -1, messages: [forged, widened, replayed] });

    // Each is set aside with the reason, and audited as refused.
    const keys = [forgedRecord.id, members.id, replayedRecord];
    let deadLetters: ConsumedMessage[] = [];
    await expectEventually(async () => {
      deadLetters = (await readTopicToEnd(DEAD_LETTER_TOPICS.router)).filter(
        (message) => message.key !== null && keys.includes(message.key),
      );
      expect(deadLetters).toHaveLength(3);
    }, 30_000);
    expect(
      Object.fromEntries(deadLetters.map((message) => [message.key, message.headers['hub-error']])),
    ).toEqual({
      [forgedRecord.id]: 'unverified provenance: no provenance header',
      [members.id]: 'unverified provenance: signature does not match',
      [replayedRecord]: 'unverified provenance: signature does not match',
    });
    for (const message of deadLetters) {
      expect(message.headers['hub-source-topic']).toBe(TOPICS.alerts);
      expect(message.headers[PROVENANCE_HEADER]).toBeUndefined();
    }
    let refused: AuditPage['entries'] = [];
    await expectEventually(async () => {
      refused = (await auditEntries('action=event.dead-lettered&actor=router')).filter((entry) =>
        keys.includes((entry.detail.claimed as { subject: string }).subject),
      );
      expect(refused).toHaveLength(3);
    });
    for (const entry of refused) {
      expect(entry).toMatchObject({ outcome: 'refused', resource: { type: 'canonical-event' } });
      expect(String(entry.detail.reason)).toMatch(/^unverified provenance: /);
      // Claims, not facts: a forgery about a record is not an access to it.
      expect(entry.recordIds).toEqual([]);
      expect(entry.eventIds).toEqual([]);
    }

    // The router wrote its refusals' entries after the batch's feeds, so nothing is pending: no feed
    // entry or delivery for the forged records, and none more for the members alert. Only this
    // file's two subscriptions are counted: other files' subscriptions share the database.
    const written = await withDatabase(async (client) => ({
      feeds: (
        await client.query<{ record_id: string; n: number }>(
          `SELECT record_id, count(*)::int AS n FROM feed_entries
            WHERE record_id = ANY($1::uuid[]) AND subscription_id = ANY($2::uuid[]) GROUP BY record_id`,
          [
            [forgedRecord.id, replayedRecord, members.id],
            [feedId, hookId],
          ],
        )
      ).rows,
      deliveries: (
        await client.query<{ record_id: string }>(
          `SELECT f.record_id FROM webhook_deliveries d JOIN feed_entries f ON f.id = d.feed_entry_id
            WHERE f.record_id = ANY($1::uuid[]) AND f.subscription_id = ANY($2::uuid[])`,
          [
            [forgedRecord.id, replayedRecord, members.id, community.id],
            [feedId, hookId],
          ],
        )
      ).rows.map((row) => row.record_id),
    }));
    expect(written.feeds).toEqual([{ record_id: members.id, n: 1 }]);
    expect(written.deliveries).toEqual([community.id]);
    expect((await feedEvents()).map((event) => event.subject).sort()).toEqual(
      [community.id, members.id].sort(),
    );

    // The regional topics carry each genuine event once, without the canonical signature, and nothing forged.
    for (const region of REGIONS) {
      const carried = await readTopicToEnd(regionalTopic(region));
      const subjects = carried
        .map((message) => message.headers.ce_subject)
        .filter((subject) => [community.id, members.id, forgedRecord.id, replayedRecord].includes(subject));
      expect(subjects.sort()).toEqual([community.id, members.id].sort());
      for (const message of carried) expect(message.headers[PROVENANCE_HEADER]).toBeUndefined();
    }
    // The trail records each genuine publication once per region, and nothing at all for the forged records.
    const publishedOf = async (recordId: string): Promise<string[]> =>
      (await auditEntries(`recordId=${recordId}&action=regional-stream.published`)).map(
        (entry) => `${String(entry.resource.id)} ${String(entry.detail.handling)}`,
      );
    expect((await publishedOf(community.id)).sort()).toEqual(
      REGIONS.map((region) => `${regionalTopic(region)} community`),
    );
    expect((await publishedOf(members.id)).sort()).toEqual(
      REGIONS.map((region) => `${regionalTopic(region)} members`),
    );
    expect(await auditEntries(`recordId=${forgedRecord.id}`)).toEqual([]);
    expect(await auditEntries(`recordId=${replayedRecord}`)).toEqual([]);

    // A genuine record posted after the forgeries is still routed: the router carried on.
    const after = await submit('community');
    await expectEventually(async () => {
      expect((await feedEvents()).map((event) => event.subject)).toContain(after.id);
      expect(hub.receiver.requests.map((request) => JSON.parse(request.body).subject as string)).toEqual([
        community.id,
        after.id,
      ]);
    }, 30_000);
  });
});
