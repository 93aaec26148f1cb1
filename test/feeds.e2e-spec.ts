import { regionalTopic } from '@hub/contracts';
import { sampleAlert, sampleSeizure } from './support/fixtures';
import {
  api,
  expectEventually,
  readTopic,
  registerOrganization,
  type RunningService,
  startGateway,
  startRelay,
  startRouter,
  type TestOrganization,
  withDatabase,
} from './support/hub-harness';

interface Problem {
  status: number;
  errors?: { field: string }[];
}
interface FeedPage {
  events: {
    id: string;
    type: string;
    subject: string;
    data: { id: string; version: number; reference: string };
  }[];
  nextCursor: string | null;
}

describe('tailored feeds: subscriptions, the router, regional streams and pull feeds', () => {
  let gateway: RunningService;
  let relay: RunningService;
  let router: RunningService;
  let france: TestOrganization;
  let nigeria: TestOrganization;
  let partner: TestOrganization;
  let riloEurope: TestOrganization;

  beforeAll(async () => {
    gateway = await startGateway();
    relay = await startRelay();
    router = await startRouter();
    france = await registerOrganization(gateway.url, { kind: 'member', country: 'FR' });
    nigeria = await registerOrganization(gateway.url, { kind: 'member', country: 'NG' });
    partner = await registerOrganization(gateway.url, { kind: 'partner' });
    riloEurope = await registerOrganization(gateway.url, { kind: 'rilo', region: 'europe' });
  });

  afterAll(async () => {
    await router?.close();
    await relay?.close();
    await gateway?.close();
  });

  async function subscribe(owner: TestOrganization, filter: Record<string, unknown>): Promise<string> {
    const response = await api<{ subscription: { id: string } }>(gateway.url, 'POST', '/v1/subscriptions', {
      key: owner.apiKey,
      body: { name: `feed ${Math.random()}`, filter, delivery: { type: 'pull' } },
    });
    expect(response.status).toBe(201);
    return response.body.subscription.id;
  }

  async function pullAll(owner: TestOrganization, id: string): Promise<FeedPage['events']> {
    const events: FeedPage['events'] = [];
    let after: string | null = null;
    for (;;) {
      const page: { body: FeedPage } = await api<FeedPage>(
        gateway.url,
        'GET',
        `/v1/subscriptions/${id}/events?limit=2${after ? `&after=${after}` : ''}`,
        { key: owner.apiKey },
      );
      events.push(...page.body.events);
      if (page.body.events.length === 0) return events;
      after = page.body.nextCursor;
    }
  }

  async function post(
    owner: TestOrganization,
    kind: 'alerts' | 'seizures',
    body: Record<string, unknown>,
  ): Promise<string> {
    const response = await api<{ id: string }>(gateway.url, 'POST', `/v1/${kind}`, {
      key: owner.apiKey,
      body,
    });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  it('refuses bad filters naming each field, and keeps subscriptions to their owner', async () => {
    const bad = await api<Problem>(gateway.url, 'POST', '/v1/subscriptions', {
      key: france.apiKey,
      body: {
        name: 'x',
        filter: { regions: ['atlantis'], hsPrefixes: ['7', '2844'], categories: ['gold'] },
        delivery: { type: 'pull' },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors!.map((error) => error.field)).toEqual(
      expect.arrayContaining(['filter.regions[0]', 'filter.hsPrefixes[0]', 'filter.categories[0]']),
    );
    const id = await subscribe(france, { categories: ['nuclear'] });
    expect((await api(gateway.url, 'GET', `/v1/subscriptions/${id}`, { key: nigeria.apiKey })).status).toBe(
      404,
    );
    expect(
      (await api(gateway.url, 'GET', `/v1/subscriptions/${id}/events`, { key: nigeria.apiKey })).status,
    ).toBe(404);
    expect(
      (await api(gateway.url, 'DELETE', `/v1/subscriptions/${id}`, { key: nigeria.apiKey })).status,
    ).toBe(404);
    const listed = await api<{ id: string }[]>(gateway.url, 'GET', '/v1/subscriptions', {
      key: nigeria.apiKey,
    });
    expect(listed.body.map((subscription) => subscription.id)).not.toContain(id);
  });

  it('delivers to a pull feed exactly the matching events the subscriber may read, in order, without repeats', async () => {
    const arms = await subscribe(nigeria, { hsPrefixes: ['9306'], types: ['alert'] });
    const partnerArms = await subscribe(partner, { hsPrefixes: ['9306'] });
    const armsAlert = (handling: string): Record<string, unknown> =>
      sampleAlert({
        handling,
        commodities: [{ hsCode: '930690', description: 'Cartridges', category: 'conventional-arms' }],
      });
    const matching = [
      await post(france, 'alerts', armsAlert('members')),
      await post(france, 'alerts', armsAlert('community')),
    ];
    // Concerns Europe, Asia/Pacific and MENA: not readable by a West African member nor by a partner.
    const notMine = await post(france, 'alerts', armsAlert('region'));
    await post(france, 'alerts', sampleAlert()); // other commodities
    await post(
      nigeria,
      'seizures',
      sampleSeizure({
        commodities: [
          {
            hsCode: '930690',
            description: 'x',
            category: 'conventional-arms',
            quantity: { value: 1, unit: 'u' },
          },
        ],
      }),
    );

    // Two records sit on different partitions, so either may be routed first: the feed holds
    // each once (its order is the order they were routed in, the same for every reader).
    await expectEventually(async () => {
      const events = await pullAll(nigeria, arms);
      expect(events.map((event) => event.subject).sort()).toEqual([...matching].sort());
    });
    expect((await pullAll(nigeria, arms)).map((event) => event.subject)).not.toContain(notMine);
    // A partner agency never receives `members` or `region` records, only `community` ones.
    await expectEventually(async () => {
      const events = await pullAll(partner, partnerArms);
      expect(events.map((event) => event.subject)).toEqual(expect.arrayContaining([matching[1]]));
      expect(events.map((event) => event.subject)).not.toContain(matching[0]);
      expect(events.map((event) => event.subject)).not.toContain(notMine);
    });
  });

  it('long-polls: an empty page waits until the next matching event arrives', async () => {
    const feed = await subscribe(france, { countries: ['KZ'] });
    const first = await api<FeedPage>(gateway.url, 'GET', `/v1/subscriptions/${feed}/events`, {
      key: france.apiKey,
    });
    expect(first.body.events).toEqual([]);
    const started = Date.now();
    const waiting = api<FeedPage>(gateway.url, 'GET', `/v1/subscriptions/${feed}/events?wait=20`, {
      key: france.apiKey,
    });
    const id = await post(
      france,
      'alerts',
      sampleAlert({ route: { origin: 'KZ', transit: [], destination: 'FR' } }),
    );
    const page = await waiting;
    expect(page.body.events.map((event) => event.subject)).toEqual([id]);
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = await api<FeedPage>(
      gateway.url,
      'GET',
      `/v1/subscriptions/${feed}/events?after=${page.body.nextCursor}`,
      {
        key: france.apiKey,
      },
    );
    expect(after.body.events).toEqual([]);
    expect(after.body.nextCursor).toBe(page.body.nextCursor);
  });

  it('applies a changed filter to the next event, and updates and withdrawals follow the record', async () => {
    const feed = await subscribe(france, { categories: ['biological'] });
    const witness = await subscribe(france, { categories: ['chemical'] });
    const before = await post(
      france,
      'alerts',
      sampleAlert({ commodities: [{ hsCode: '300290', description: 'Toxins', category: 'chemical' }] }),
    );
    // Routed before the change (a slow router would otherwise route it after, under the new filter).
    await expectEventually(async () =>
      expect((await pullAll(france, witness)).map((event) => event.subject)).toContain(before),
    );
    const patched = await api(gateway.url, 'PATCH', `/v1/subscriptions/${feed}`, {
      key: france.apiKey,
      body: { filter: { categories: ['chemical'] } },
    });
    expect(patched.status).toBe(200);
    const after = await post(
      france,
      'alerts',
      sampleAlert({ commodities: [{ hsCode: '300290', description: 'Toxins', category: 'chemical' }] }),
    );
    // The revision no longer matches the filter, but the subscriber received the record: it follows.
    await expectEventually(async () =>
      expect((await pullAll(france, feed)).map((event) => event.subject)).toEqual([after]),
    );
    const revised = await api(gateway.url, 'PATCH', `/v1/alerts/${after}`, {
      key: france.apiKey,
      body: { commodities: [{ hsCode: '300290', description: 'Vaccines after all', category: 'other' }] },
    });
    expect(revised.status).toBe(200);
    await api(gateway.url, 'POST', `/v1/alerts/${after}/withdraw`, { key: france.apiKey });
    await expectEventually(async () => {
      const events = await pullAll(france, feed);
      expect(events.map((event) => [event.subject, event.type])).toEqual([
        [after, 'alert.published'],
        [after, 'alert.updated'],
        [after, 'alert.withdrawn'],
      ]);
    });
    expect((await pullAll(france, feed)).map((event) => event.subject)).not.toContain(before);
  });

  it('carries shared records on the regional streams of the concerned regions, never restricted ones', async () => {
    const european = { route: { origin: 'FR', transit: [], destination: 'DE' }, entities: [] };
    const shared = await post(france, 'alerts', sampleAlert({ ...european, handling: 'region' }));
    const restricted = await post(
      france,
      'alerts',
      sampleAlert({ ...european, handling: 'restricted', recipients: [riloEurope.code] }),
    );
    const messages = await readTopic(regionalTopic('europe'), (seen) =>
      seen.some((message) => message.key === shared),
    );
    const ours = messages.filter((message) => message.key === shared || message.key === restricted);
    expect(ours.map((message) => message.key)).toEqual([shared]);
    expect(ours[0].headers).toMatchObject({
      ce_type: 'alert.published',
      ce_handling: 'region',
      ce_regions: 'europe',
    });
    const africa = await readTopic(regionalTopic('west-central-africa'), () => false, 3000);
    expect(africa.map((message) => message.key)).not.toContain(shared);
  });

  it('shares the work between two routers, survives losing one, and delivers each event once per subscription', async () => {
    const second = await startRouter();
    try {
      const feed = await subscribe(nigeria, { categories: ['missile'] });
      const ids: string[] = [];
      const uav = (): Record<string, unknown> =>
        sampleAlert({ commodities: [{ hsCode: '880610', description: 'UAV', category: 'missile' }] });
      for (let index = 0; index < 12; index += 1) ids.push(await post(france, 'alerts', uav()));
      // The first router leaves the group: the second takes over its partitions.
      await router.close();
      router = second;
      for (let index = 0; index < 12; index += 1) ids.push(await post(france, 'alerts', uav()));
      await expectEventually(async () =>
        expect(new Set((await pullAll(nigeria, feed)).map((event) => event.subject))).toEqual(new Set(ids)),
      );
      expect((await pullAll(nigeria, feed)).length).toBe(ids.length);
      const duplicates = await withDatabase((client) =>
        client.query('SELECT count(*)::int AS n FROM feed_entries WHERE subscription_id = $1', [feed]),
      );
      expect(duplicates.rows[0].n).toBe(ids.length);
    } finally {
      if (router !== second) await second.close();
    }
  });

  it('pages in transaction order when transaction ids gain a digit (9, 10, 11 sort as numbers, not as text)', async () => {
    const source = await subscribe(france, { categories: ['missile'] });
    const id = await post(
      france,
      'alerts',
      sampleAlert({ commodities: [{ hsCode: '880610', description: 'UAV', category: 'missile' }] }),
    );
    await expectEventually(async () =>
      expect((await pullAll(france, source)).map((event) => event.subject)).toContain(id),
    );
    // Entries written by old transactions (ids 9, 10, 11), in the order the feed must serve them.
    const feed = await subscribe(france, { hsPrefixes: ['010121'] });
    const eventIds = await withDatabase(async (client) => {
      const [{ event }] = (
        await client.query<{ event: Record<string, unknown> }>(
          'SELECT event FROM feed_entries WHERE subscription_id = $1 AND record_id = $2',
          [source, id],
        )
      ).rows;
      const ids: string[] = [];
      for (const txId of ['11', '9', '10']) {
        const eventId = (await client.query<{ id: string }>('SELECT gen_random_uuid()::text AS id')).rows[0]
          .id;
        await client.query(
          `INSERT INTO feed_entries (tx_id, subscription_id, event_id, record_id, event_type, event)
           VALUES ($1::xid8, $2, $3, $4, 'alert.published', $5)`,
          [txId, feed, eventId, id, { ...event, id: eventId }],
        );
        ids.push(eventId);
      }
      return ids;
    });
    const served = (await pullAll(france, feed)).map((event) => event.id);
    expect(served).toEqual([eventIds[1], eventIds[2], eventIds[0]]);
  });
});
