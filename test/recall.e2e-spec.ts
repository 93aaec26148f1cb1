/**
 * Recall (review finding M-1, its test SEC-T-1): an originator publishes a record `community` by
 * mistake and corrects it to `restricted` seconds later. From the correction on, no channel gives
 * the old version to an organization the correction left out: its pull feed hides it, its pending,
 * paused, retrying and manually re-queued webhook deliveries never send it, and it gets a recall
 * (`alert.recalled`, no content) instead, as does the regional stream of each region that lost it.
 */
import type { Consumer } from 'kafkajs';
import { commodity, sampleAlert } from './support/fixtures';
import { memberOf, partnerAgency, riloFor, startHub, type TestHub } from './support/hub-context';
import { ADMIN_TOKEN, expectEventually, type TestOrganization } from './support/hub-harness';
import { type IssuedStreamCredential, riloKafka } from './support/rilo-clients';
import { WebhookReceiver } from './support/webhook-receiver';

interface FeedEvent {
  id: string;
  type: string;
  subject: string;
  data: Record<string, unknown>;
  [attribute: string]: unknown;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  recordId: string;
  status: string;
  cancelReason: string | null;
  attemptLog: unknown[];
}

interface RegionalMessage {
  headers: Record<string, string>;
  value: string;
}

/** The notifier's retry schedule here: a retry waits 1.5 s, so a correction lands while one is due. */
const RETRY_SCHEDULE_MS = '0,1500,1500';

describe('recall: a revision that narrows the audience withdraws the record from those it left out', () => {
  let hub: TestHub;
  let fr: TestOrganization;
  let kr: TestOrganization;
  let iaea: TestOrganization;
  let rilo: TestOrganization;
  const receivers: WebhookReceiver[] = [];
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    hub = await startHub({
      services: ['relay', 'router', 'notifier'],
      env: { notifier: { WEBHOOK_RETRY_SCHEDULE_MS: RETRY_SCHEDULE_MS } },
    });
    ({ fr, kr, iaea, rilo } = await hub.organizations({
      fr: memberOf('FR'),
      kr: memberOf('KR'),
      iaea: partnerAgency(),
      rilo: riloFor('europe'),
    }));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
    for (const receiver of receivers) await receiver.close();
    await hub?.close();
  });

  async function receiver(path: string): Promise<WebhookReceiver> {
    const started = await WebhookReceiver.start(null, path);
    receivers.push(started);
    return started;
  }

  const webhook = (to: WebhookReceiver) => ({ type: 'webhook' as const, url: to.url });

  /** A `community` alert from France about steel tubes (HS 7228) or uranium (HS 2844), concerning europe. */
  const postedByMistake = (hsCode: '722830' | '284410') =>
    sampleAlert({
      title: 'Posted community by mistake',
      handling: 'community',
      route: { origin: 'FR', transit: [], destination: 'DE' },
      entities: [],
      commodities: [commodity(hsCode, hsCode === '284410' ? 'nuclear' : 'dual-use', 'Goods')],
    });

  async function correctToRestricted(recordId: string): Promise<void> {
    const revised = await hub.api<{ version: number; handling: string }>('PATCH', `/v1/alerts/${recordId}`, {
      key: fr.apiKey,
      body: { handling: 'restricted', recipients: [kr.code] },
    });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ version: 2, handling: 'restricted' });
    // The left-out reader cannot read the record itself any more.
    expect((await hub.api('GET', `/v1/alerts/${recordId}`, { key: iaea.apiKey })).status).toBe(404);
  }

  async function feed(owner: TestOrganization, subscription: string): Promise<FeedEvent[]> {
    const page = await hub.api<{ events: FeedEvent[] }>('GET', `/v1/subscriptions/${subscription}/events`, {
      key: owner.apiKey,
    });
    expect(page.status).toBe(200);
    return page.body.events;
  }

  async function deliveries(subscription: string): Promise<Delivery[]> {
    const log = await hub.api<{ deliveries: Delivery[] }>(
      'GET',
      `/v1/subscriptions/${subscription}/deliveries`,
      {
        key: iaea.apiKey,
      },
    );
    expect(log.status).toBe(200);
    return log.body.deliveries;
  }

  async function retry(subscription: string, delivery: string): Promise<void> {
    const requeued = await hub.api('POST', `/v1/subscriptions/${subscription}/deliveries/${delivery}/retry`, {
      key: iaea.apiKey,
    });
    expect(requeued.status).toBe(202);
    expect(requeued.body).toMatchObject({ status: 'pending' });
  }

  const bodies = (to: WebhookReceiver): FeedEvent[] =>
    to.requests.map((request) => JSON.parse(request.body) as FeedEvent);
  const about = (recordId: string, type: string) => (event: FeedEvent) =>
    event.subject === recordId && event.type === type;

  /** A recall carries the record id and version only: none of the record's content or routing facts. */
  function expectContentFree(recall: FeedEvent | undefined, recordId: string): void {
    expect(recall).toBeDefined();
    expect(recall!.data).toEqual({ id: recordId, version: 2 });
    expect(recall).toMatchObject({ specversion: '1.0', subject: recordId, recordversion: 2 });
    for (const attribute of ['regions', 'countries', 'hscodes', 'categories', 'handling', 'originator'])
      expect(recall).not.toHaveProperty(attribute);
    expect(JSON.stringify(recall)).not.toContain('Posted community by mistake');
  }

  async function regionalReader(credential: IssuedStreamCredential): Promise<RegionalMessage[]> {
    const consumer = riloKafka(credential).consumer({ groupId: `${rilo.code}.recall-${Date.now()}` });
    consumers.push(consumer);
    const read: RegionalMessage[] = [];
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic: 'hub.region.europe.v1', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        read.push({ headers, value: message.value?.toString() ?? '' });
        return Promise.resolve();
      },
    });
    await joined;
    return read;
  }

  it('hides the old version from the pull feed, recalls it from feeds, paused and retrying webhooks and the regional stream, and a manual retry does not send it', async () => {
    const paused = await receiver('/hooks/paused');
    const retrying = await receiver('/hooks/retrying');
    const issued = await hub.api<IssuedStreamCredential>(
      'POST',
      `/v1/admin/organizations/${rilo.code}/stream-credentials`,
      { key: ADMIN_TOKEN },
    );
    expect(issued.status).toBe(201);
    const europe = await regionalReader(issued.body);

    const steel = { hsPrefixes: ['7228'] };
    const pull = await hub.subscribe(iaea, { filter: steel });
    const recipientFeed = await hub.subscribe(kr, { filter: steel });
    const pausedHook = await hub.subscribe(iaea, { filter: steel, delivery: webhook(paused) });

    // The paused subscription: its endpoint answers 410 Gone to an earlier alert.
    paused.gone();
    const earlier = await hub.submit(fr, 'alert', postedByMistake('722830'));
    await expectEventually(async () =>
      expect(
        (await hub.api<{ status: string }>('GET', `/v1/subscriptions/${pausedHook.id}`, { key: iaea.apiKey }))
          .body.status,
      ).toBe('paused'),
    );
    paused.recover();
    // Created after the earlier alert was routed (the pull feed shows it): only the mistake reaches it.
    await expectEventually(async () =>
      expect((await feed(iaea, pull.id)).map((e) => e.subject)).toContain(earlier.id),
    );
    const retryingHook = await hub.subscribe(iaea, { filter: steel, delivery: webhook(retrying) });
    // The retrying endpoint fails each event's first attempt: the mistake waits for its retry.
    retrying.plan((_id, earlierAttempts) => (earlierAttempts === 0 ? { kind: 'answer', status: 500 } : null));

    const mistake = await hub.submit(fr, 'alert', postedByMistake('722830'));
    await expectEventually(async () => {
      expect((await feed(iaea, pull.id)).some(about(mistake.id, 'alert.published'))).toBe(true);
      expect(bodies(retrying).filter(about(mistake.id, 'alert.published'))).toHaveLength(1);
      expect((await deliveries(pausedHook.id)).find((d) => d.recordId === mistake.id)?.status).toBe(
        'pending',
      );
      expect(europe.some((m) => m.headers.ce_subject === mistake.id)).toBe(true);
    });

    await correctToRestricted(mistake.id);

    // Pull feed: the old version is not served from the moment the correction commits.
    expect((await feed(iaea, pull.id)).filter((event) => event.subject === mistake.id)).toEqual([]);
    // ...and a recall follows, for this reader only: the recipient gets the revision, no recall.
    await expectEventually(async () => {
      expect(
        (await feed(kr, recipientFeed.id)).filter((e) => e.subject === mistake.id).map((e) => e.type),
      ).toEqual(['alert.published', 'alert.updated']);
      expect((await feed(iaea, pull.id)).filter((e) => e.subject === mistake.id).map((e) => e.type)).toEqual([
        'alert.recalled',
      ]);
    });
    expectContentFree((await feed(iaea, pull.id)).find(about(mistake.id, 'alert.recalled')), mistake.id);

    // The delivery in retry is withdrawn: the recall comes next, and the old version never again.
    await expectEventually(() =>
      expect(bodies(retrying).some(about(mistake.id, 'alert.recalled'))).toBe(true),
    );
    expect(bodies(retrying).filter(about(mistake.id, 'alert.published'))).toHaveLength(1);
    expectContentFree(bodies(retrying).find(about(mistake.id, 'alert.recalled')), mistake.id);
    const withdrawn = (await deliveries(retryingHook.id)).find(
      (d) => d.recordId === mistake.id && d.eventType === 'alert.published',
    )!;
    expect(withdrawn).toMatchObject({ status: 'cancelled', cancelReason: 'recalled' });

    // The paused subscription's pending delivery was withdrawn too; resumed, it gets the recall only.
    expect(
      (await deliveries(pausedHook.id)).find(
        (d) => d.eventType === 'alert.published' && d.recordId === mistake.id,
      ),
    ).toMatchObject({
      status: 'cancelled',
      cancelReason: 'recalled',
    });
    const resumed = await hub.api('POST', `/v1/subscriptions/${pausedHook.id}/resume`, { key: iaea.apiKey });
    expect(resumed.status).toBe(200);
    await expectEventually(() => expect(bodies(paused).some(about(mistake.id, 'alert.recalled'))).toBe(true));
    expect(
      bodies(paused)
        .filter((event) => event.subject === mistake.id)
        .map((event) => event.type),
    ).toEqual(['alert.recalled']);

    // A manual retry of the cancelled delivery is taken, but the notifier withdraws it again unsent.
    await retry(retryingHook.id, withdrawn.id);
    await expectEventually(async () =>
      expect((await deliveries(retryingHook.id)).find((d) => d.id === withdrawn.id)).toMatchObject({
        status: 'cancelled',
        cancelReason: 'recalled',
      }),
    );
    expect(bodies(retrying).filter(about(mistake.id, 'alert.published'))).toHaveLength(1);

    // The regional stream of europe, which carried the mistake, gets its recall, without content.
    await expectEventually(() =>
      expect(
        europe.some((m) => m.headers.ce_subject === mistake.id && m.headers.ce_type === 'alert.recalled'),
      ).toBe(true),
    );
    const recall = europe.find(
      (m) => m.headers.ce_subject === mistake.id && m.headers.ce_type === 'alert.recalled',
    )!;
    expect(JSON.parse(recall.value)).toEqual({ id: mistake.id, version: 2 });
    expect(recall.headers.ce_recordversion).toBe('2');
    for (const header of [
      'ce_regions',
      'ce_countries',
      'ce_hscodes',
      'ce_categories',
      'ce_handling',
      'ce_originator',
    ])
      expect(recall.headers).not.toHaveProperty(header);
    // The restricted revision itself never reaches a regional stream.
    expect(europe.filter((m) => m.headers.ce_subject === mistake.id).map((m) => m.headers.ce_type)).toEqual([
      'alert.published',
      'alert.recalled',
    ]);
  }, 90_000);

  it('a manual retry of a delivery that failed before the correction does not send the old version', async () => {
    const failing = await receiver('/hooks/failing');
    const hook = await hub.subscribe(iaea, { filter: { hsPrefixes: ['2844'] }, delivery: webhook(failing) });
    failing.failFor(Infinity, 500);
    const mistake = await hub.submit(fr, 'alert', postedByMistake('284410'));
    let failed: Delivery | undefined;
    await expectEventually(async () => {
      failed = (await deliveries(hook.id)).find((d) => d.recordId === mistake.id);
      expect(failed?.status).toBe('failed');
    }, 30_000);
    const sent = bodies(failing).filter(about(mistake.id, 'alert.published')).length;
    expect(sent).toBe(3);
    failing.recover();

    await correctToRestricted(mistake.id);
    // The witness that the router has routed the correction: the recall reaches the endpoint.
    await expectEventually(() =>
      expect(bodies(failing).some(about(mistake.id, 'alert.recalled'))).toBe(true),
    );

    await retry(hook.id, failed!.id);
    await expectEventually(async () =>
      expect((await deliveries(hook.id)).find((d) => d.id === failed!.id)).toMatchObject({
        status: 'cancelled',
        cancelReason: 'recalled',
      }),
    );
    expect(bodies(failing).filter(about(mistake.id, 'alert.published'))).toHaveLength(sent);
  }, 60_000);
});
