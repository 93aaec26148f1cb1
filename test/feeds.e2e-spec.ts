import { Client } from 'pg';
import { regionalTopic } from '@hub/contracts';
import { ROUTING_LOCK_KEY } from '@hub/persistence';
import { commodity, routed, sampleAlert, sampleSeizure } from './support/fixtures';
import { memberOf, partnerAgency, riloFor, startHub, type TestHub } from './support/hub-context';
import {
  api,
  expectEventually,
  readTopic,
  startGateway,
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
  let hub: TestHub;
  let france: TestOrganization;
  let nigeria: TestOrganization;
  let partner: TestOrganization;
  let riloEurope: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router'] });
    ({ france, nigeria, partner, riloEurope } = await hub.organizations({
      france: memberOf('FR'),
      nigeria: memberOf('NG'),
      partner: partnerAgency(),
      riloEurope: riloFor('europe'),
    }));
  });

  afterAll(() => hub?.close());

  async function subscribe(owner: TestOrganization, filter: Record<string, unknown>): Promise<string> {
    return (await hub.subscribe(owner, { filter })).id;
  }

  async function pullAll(owner: TestOrganization, id: string): Promise<FeedPage['events']> {
    const events: FeedPage['events'] = [];
    let after: string | null = null;
    for (;;) {
      const page: { body: FeedPage } = await hub.api<FeedPage>(
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
    return (await hub.submit(owner, kind === 'alerts' ? 'alert' : 'seizure', body)).id;
  }

  it('refuses bad filters naming each field, and keeps subscriptions to their owner', async () => {
    const bad = await hub.api<Problem>('POST', '/v1/subscriptions', {
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
    expect((await hub.api('GET', `/v1/subscriptions/${id}`, { key: nigeria.apiKey })).status).toBe(404);
    expect((await hub.api('GET', `/v1/subscriptions/${id}/events`, { key: nigeria.apiKey })).status).toBe(
      404,
    );
    expect((await hub.api('DELETE', `/v1/subscriptions/${id}`, { key: nigeria.apiKey })).status).toBe(404);
    const listed = await hub.api<{ id: string }[]>('GET', '/v1/subscriptions', {
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
        commodities: [commodity('930690', 'conventional-arms', 'Cartridges')],
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
    const first = await hub.api<FeedPage>('GET', `/v1/subscriptions/${feed}/events`, {
      key: france.apiKey,
    });
    expect(first.body.events).toEqual([]);
    const started = Date.now();
    const waiting = hub.api<FeedPage>('GET', `/v1/subscriptions/${feed}/events?wait=20`, {
      key: france.apiKey,
    });
    const id = await post(france, 'alerts', sampleAlert(routed('KZ', 'FR')));
    const page = await waiting;
    expect(page.body.events.map((event) => event.subject)).toEqual([id]);
    expect(Date.now() - started).toBeLessThan(20_000);
    const after = await hub.api<FeedPage>(
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
      sampleAlert({ commodities: [commodity('300290', 'chemical', 'Toxins')] }),
    );
    // Routed before the change (a slow router would otherwise route it after, under the new filter).
    await expectEventually(async () =>
      expect((await pullAll(france, witness)).map((event) => event.subject)).toContain(before),
    );
    const patched = await hub.api('PATCH', `/v1/subscriptions/${feed}`, {
      key: france.apiKey,
      body: { filter: { categories: ['chemical'] } },
    });
    expect(patched.status).toBe(200);
    const after = await post(
      france,
      'alerts',
      sampleAlert({ commodities: [commodity('300290', 'chemical', 'Toxins')] }),
    );
    // The revision no longer matches the filter, but the subscriber received the record: it follows.
    await expectEventually(async () =>
      expect((await pullAll(france, feed)).map((event) => event.subject)).toEqual([after]),
    );
    const revised = await hub.api('PATCH', `/v1/alerts/${after}`, {
      key: france.apiKey,
      body: { commodities: [commodity('300290', 'other', 'Vaccines after all')] },
    });
    expect(revised.status).toBe(200);
    await hub.api('POST', `/v1/alerts/${after}/withdraw`, { key: france.apiKey });
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
    const european = { ...routed('FR', 'DE'), entities: [] };
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
        sampleAlert({ commodities: [commodity('880610', 'missile', 'UAV')] });
      for (let index = 0; index < 12; index += 1) ids.push(await post(france, 'alerts', uav()));
      // The first router leaves the group: the second takes over its partitions.
      await hub.router!.close();
      hub.router = second;
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
      if (hub.router !== second) await second.close();
    }
  });

  it('pages in transaction order when transaction ids gain a digit (9, 10, 11 sort as numbers, not as text)', async () => {
    const source = await subscribe(france, { categories: ['missile'] });
    const id = await post(
      france,
      'alerts',
      sampleAlert({ commodities: [commodity('880610', 'missile', 'UAV')] }),
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

  describe('replayFrom: a new subscription also receives the earlier records it would have matched', () => {
    interface Created {
      subscription: { id: string };
      replay?: { from: string; records: number; truncated: boolean };
    }

    /** An alert that only this test's filter (its own HS code) matches. */
    const goods = (hsCode: string, overrides: Record<string, unknown> = {}): Record<string, unknown> =>
      sampleAlert({
        commodities: [{ hsCode, description: 'Radar apparatus', category: 'dual-use' }],
        ...overrides,
      });

    async function subscribeFrom(
      owner: TestOrganization,
      filter: Record<string, unknown>,
      replayFrom?: string,
    ): Promise<Created> {
      const response = await hub.api<Created>('POST', '/v1/subscriptions', {
        key: owner.apiKey,
        body: { name: 'replayed', filter, delivery: { type: 'pull' }, ...(replayFrom ? { replayFrom } : {}) },
      });
      expect({ status: response.status, body: response.body }).toEqual({
        status: 201,
        body: expect.objectContaining({ subscription: expect.objectContaining({ id: expect.any(String) }) }),
      });
      return response.body;
    }

    /** Every entry of a feed straight from the table, in feed order: repeats would show here. */
    async function entries(feed: string): Promise<{ eventId: string; recordId: string; version: number }[]> {
      return withDatabase(async (client) =>
        (
          await client.query<{ event_id: string; record_id: string; version: number }>(
            `SELECT event_id, record_id, (event->'data'->>'version')::int AS version
               FROM feed_entries WHERE subscription_id = $1 ORDER BY tx_id, id`,
            [feed],
          )
        ).rows.map((row) => ({ eventId: row.event_id, recordId: row.record_id, version: row.version })),
      );
    }

    it('without replayFrom gets only later events; with it, the current versions it may read, oldest first', async () => {
      const hsCode = '852610';
      const filter = { hsPrefixes: [hsCode] };
      // Made first, it shows when the router has routed everything below.
      const witness = await subscribe(france, filter);
      const start = new Date(Date.now() - 1000).toISOString();
      const first = await post(france, 'alerts', goods(hsCode));
      // Restricted to another organization: Nigeria may not read it, now or replayed.
      const hidden = await post(
        france,
        'alerts',
        goods(hsCode, { handling: 'restricted', recipients: [riloEurope.code] }),
      );
      const revised = await post(france, 'alerts', goods(hsCode));
      expect(
        (
          await hub.api('PATCH', `/v1/alerts/${revised}`, {
            key: france.apiKey,
            body: { severity: 'critical' },
          })
        ).status,
      ).toBe(200);
      const withdrawn = await post(france, 'alerts', goods(hsCode));
      expect((await hub.api('POST', `/v1/alerts/${withdrawn}/withdraw`, { key: france.apiKey })).status).toBe(
        200,
      );
      await post(france, 'alerts', goods('852691'));
      await expectEventually(async () => expect(await pullAll(france, witness)).toHaveLength(6));

      const later = await subscribeFrom(nigeria, filter);
      expect(later.replay).toBeUndefined();
      const replayed = await subscribeFrom(nigeria, filter, start);
      expect(replayed.replay).toEqual({ from: new Date(start).toISOString(), records: 2, truncated: false });
      const replayedEvents = await pullAll(nigeria, replayed.subscription.id);
      expect(replayedEvents.map((event) => [event.subject, event.type, event.data.version])).toEqual([
        [first, 'alert.published', 1],
        [revised, 'alert.updated', 2],
      ]);
      expect(replayedEvents.map((event) => event.subject)).not.toContain(hidden);

      // What is published next reaches both, and a revision follows a replayed record.
      const next = await post(france, 'alerts', goods(hsCode));
      expect(
        (
          await hub.api('PATCH', `/v1/alerts/${first}`, {
            key: france.apiKey,
            body: { severity: 'low' },
          })
        ).status,
      ).toBe(200);
      await expectEventually(async () => {
        // The revision of `first` matches the filter itself: the later subscription takes it too.
        expect(
          (await pullAll(nigeria, later.subscription.id))
            .map((event) => `${event.subject}@${event.data.version}`)
            .sort(),
        ).toEqual([`${first}@2`, `${next}@1`].sort());
        const events = await pullAll(nigeria, replayed.subscription.id);
        expect(events.slice(0, 2).map((event) => [event.subject, event.data.version])).toEqual([
          [first, 1],
          [revised, 2],
        ]);
        // Two records on different partitions: either may be routed first.
        const tail = events
          .slice(2)
          .map((event) => `${event.subject}@${event.data.version}`)
          .sort();
        expect(tail).toEqual([`${first}@2`, `${next}@1`].sort());
      });
      // Only the subscription that asked for it got the history.
      expect((await entries(later.subscription.id)).map((entry) => entry.recordId)).not.toContain(revised);
    });

    it('starts from a cursor of one of the subscriber’s feeds, and refuses other cursors, bad times and times too far back', async () => {
      const hsCode = '852692';
      const source = await subscribe(france, { hsPrefixes: [hsCode] });
      const before = await post(france, 'alerts', goods(hsCode));
      await expectEventually(async () =>
        expect((await pullAll(france, source)).map((event) => event.subject)).toEqual([before]),
      );
      const page = await hub.api<FeedPage>('GET', `/v1/subscriptions/${source}/events`, {
        key: france.apiKey,
      });
      const cursor = page.body.nextCursor!;
      const after = await post(france, 'alerts', goods(hsCode));
      await expectEventually(async () =>
        expect((await pullAll(france, source)).map((event) => event.subject)).toEqual([before, after]),
      );
      const fromCursor = await subscribeFrom(france, { hsPrefixes: [hsCode] }, cursor);
      expect(fromCursor.replay?.records).toBeGreaterThanOrEqual(1);
      expect((await pullAll(france, fromCursor.subscription.id)).map((event) => event.subject)).toContain(
        after,
      );

      const tooOld = new Date(Date.now() - 31 * 86_400_000).toISOString();
      for (const [replayFrom, owner, detail] of [
        [tooOld, france, 'must be at most 30 days back'],
        [cursor, nigeria, 'is not a cursor of one of your feeds'],
        ['bm90LWEtY3Vyc29y', france, 'is neither a date-time nor a cursor returned by one of your feeds'],
        ['2026-02-30T00:00:00Z', france, expect.stringContaining('must be an RFC 3339 date-time')],
        ['yesterday at noon', france, expect.stringContaining('must be an RFC 3339 date-time')],
      ] as const) {
        const before = await withDatabase(
          async (client) =>
            (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions')).rows[0].n,
        );
        const refused = await hub.api<Problem & { errors: { field: string; detail: string }[] }>(
          'POST',
          '/v1/subscriptions',
          {
            key: owner.apiKey,
            body: { name: 'x', filter: { hsPrefixes: [hsCode] }, delivery: { type: 'pull' }, replayFrom },
          },
        );
        expect({ replayFrom, status: refused.status, errors: refused.body.errors }).toEqual({
          replayFrom,
          status: 400,
          errors: [expect.objectContaining({ field: 'replayFrom', detail })],
        });
        const after = await withDatabase(
          async (client) =>
            (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM subscriptions')).rows[0].n,
        );
        expect(after).toBe(before);
      }
      // replayFrom belongs to the creation only.
      const patched = await hub.api<Problem>('PATCH', `/v1/subscriptions/${source}`, {
        key: france.apiKey,
        body: { replayFrom: cursor },
      });
      expect(patched.status).toBe(400);
      expect(patched.body.errors!.map((error) => error.field)).toEqual(['replayFrom']);
    });

    it('copies current versions while the router is behind, and the router then adds no older version and no repeat', async () => {
      const hsCode = '852699';
      const witness = await subscribe(france, { hsPrefixes: [hsCode] });
      await hub.router!.close();
      let restarted = false;
      try {
        const start = new Date(Date.now() - 1000).toISOString();
        const record = await post(france, 'alerts', goods(hsCode));
        expect(
          (
            await hub.api('PATCH', `/v1/alerts/${record}`, {
              key: france.apiKey,
              body: { severity: 'low' },
            })
          ).status,
        ).toBe(200);
        const other = await post(france, 'alerts', goods(hsCode));
        const replayed = await subscribeFrom(nigeria, { hsPrefixes: [hsCode] }, start);
        expect(replayed.replay?.records).toBe(2);
        hub.router = await startRouter();
        restarted = true;
        const last = await post(france, 'alerts', goods(hsCode));
        // Once the router has routed everything (the witness holds every version), the replayed
        // feed holds each record's current version once, then the new record.
        await expectEventually(async () => expect(await pullAll(france, witness)).toHaveLength(4));
        await expectEventually(async () =>
          expect(
            (await entries(replayed.subscription.id)).map((entry) => [entry.recordId, entry.version]),
          ).toEqual([
            [record, 2],
            [other, 1],
            [last, 1],
          ]),
        );
      } finally {
        if (!restarted) hub.router = await startRouter();
      }
    });

    it('copies at most SUBSCRIPTION_REPLAY_MAX_RECORDS, the newest, and says it stopped there', async () => {
      const hsCode = '852632';
      const witness = await subscribe(france, { hsPrefixes: [hsCode] });
      const start = new Date(Date.now() - 1000).toISOString();
      const ids: string[] = [];
      for (let index = 0; index < 3; index += 1) ids.push(await post(france, 'alerts', goods(hsCode)));
      await expectEventually(async () => expect(await pullAll(france, witness)).toHaveLength(3));
      const limited = await startGateway(undefined, { SUBSCRIPTION_REPLAY_MAX_RECORDS: '2' });
      delete process.env.SUBSCRIPTION_REPLAY_MAX_RECORDS;
      try {
        const response = await api<Created>(limited.url, 'POST', '/v1/subscriptions', {
          key: nigeria.apiKey,
          body: {
            name: 'limited',
            filter: { hsPrefixes: [hsCode] },
            delivery: { type: 'pull' },
            replayFrom: start,
          },
        });
        expect(response.status).toBe(201);
        expect(response.body.replay).toEqual({
          from: new Date(start).toISOString(),
          records: 2,
          truncated: true,
        });
        expect((await entries(response.body.subscription.id)).map((entry) => entry.recordId)).toEqual(
          ids.slice(1),
        );
        const all = await subscribeFrom(nigeria, { hsPrefixes: [hsCode] }, start);
        expect(all.replay).toEqual({ from: new Date(start).toISOString(), records: 3, truncated: false });
        // A webhook subscription's replay is delivered too: a pending delivery beside each entry, in order.
        const hooked = await hub.api<Created>('POST', '/v1/subscriptions', {
          key: nigeria.apiKey,
          body: {
            name: 'hooked',
            filter: { hsPrefixes: [hsCode] },
            delivery: { type: 'webhook', url: 'http://127.0.0.1:9/hub' },
            replayFrom: start,
          },
        });
        expect(hooked.body.replay?.records).toBe(3);
        const pending = await withDatabase(async (client) =>
          (
            await client.query<{ record_id: string }>(
              `SELECT f.record_id FROM webhook_deliveries d JOIN feed_entries f ON f.id = d.feed_entry_id
                WHERE d.subscription_id = $1 AND d.status = 'pending' ORDER BY f.tx_id, f.id`,
              [hooked.body.subscription.id],
            )
          ).rows.map((row) => row.record_id),
        );
        expect(pending).toEqual(ids);
      } finally {
        await limited.close();
      }
    });

    it('never runs between a router’s look at the subscriptions and its writes: each waits for the other', async () => {
      const hsCode = '852631';
      const witness = await subscribe(france, { hsPrefixes: [hsCode] });
      const holder = new Client({ connectionString: process.env.DATABASE_URL });
      await holder.connect();
      const settled = <T>(promise: Promise<T>): (() => boolean) => {
        let done = false;
        void promise.finally(() => (done = true));
        return () => done;
      };
      try {
        // A routing step in flight (the lock held shared): a replay waits until it ends.
        await holder.query('SELECT pg_advisory_lock_shared($1::bigint)', [ROUTING_LOCK_KEY]);
        const creating = subscribeFrom(nigeria, { hsPrefixes: [hsCode] }, new Date().toISOString());
        const created = settled(creating);
        await new Promise((resolve) => setTimeout(resolve, 800));
        expect(created()).toBe(false);
        await holder.query('SELECT pg_advisory_unlock_shared($1::bigint)', [ROUTING_LOCK_KEY]);
        expect((await creating).replay).toEqual(expect.objectContaining({ records: 0 }));

        // A replay in progress (the lock held exclusively): the router writes nothing until it ends.
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [ROUTING_LOCK_KEY]);
        const record = await post(france, 'alerts', goods(hsCode));
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(await entries(witness)).toEqual([]);
        await holder.query('SELECT pg_advisory_unlock($1::bigint)', [ROUTING_LOCK_KEY]);
        await expectEventually(async () =>
          expect((await entries(witness)).map((entry) => entry.recordId)).toEqual([record]),
        );
      } finally {
        await holder.end();
      }
    });

    it('is gap-free and repeat-free while records are published and revised during the replay', async () => {
      const hsCode = '852630';
      const witness = await subscribe(france, { hsPrefixes: [hsCode] });
      const start = new Date(Date.now() - 1000).toISOString();
      const published: string[] = [];
      const feeds: string[] = [];
      const stream = (async () => {
        for (let index = 0; index < 24; index += 1) {
          const id = await post(france, 'alerts', goods(hsCode));
          published.push(id);
          if (index % 3 === 0) {
            const revised = await hub.api('PATCH', `/v1/alerts/${id}`, {
              key: france.apiKey,
              body: { severity: 'critical' },
            });
            expect(revised.status).toBe(200);
          }
        }
      })();
      // Subscriptions made at different moments of the stream, each asking for all of it.
      for (let index = 0; index < 4; index += 1) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        feeds.push((await subscribeFrom(nigeria, { hsPrefixes: [hsCode] }, start)).subscription.id);
      }
      await stream;
      const revisedIds = published.filter((_, index) => index % 3 === 0);
      const last = await post(france, 'alerts', goods(hsCode));
      // Every version routed: 25 records, 8 of them revised.
      await expectEventually(async () =>
        expect(await pullAll(france, witness)).toHaveLength(published.length + 1 + revisedIds.length),
      );
      for (const feed of feeds) {
        await expectEventually(async () => {
          const held = await entries(feed);
          // Every record, none twice, each record's versions in order, ending at its current one.
          expect(new Set(held.map((entry) => entry.recordId))).toEqual(new Set([...published, last]));
          expect(new Set(held.map((entry) => entry.eventId)).size).toBe(held.length);
          const versions = new Map<string, number[]>();
          for (const entry of held)
            versions.set(entry.recordId, [...(versions.get(entry.recordId) ?? []), entry.version]);
          for (const [recordId, seen] of versions) {
            expect({ recordId, seen }).toEqual({ recordId, seen: [...new Set(seen)].sort((a, b) => a - b) });
            expect({ recordId, current: seen[seen.length - 1] }).toEqual({
              recordId,
              current: revisedIds.includes(recordId) ? 2 : 1,
            });
          }
        });
      }
    });
  });
});
