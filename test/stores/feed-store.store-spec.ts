import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { buildRecallEvent, type HubCloudEvent, type PublishedRecord } from '@hub/contracts';
import {
  appendMatches,
  FEED_CHANNEL,
  type FeedEntry,
  type FeedMatch,
  FeedStore,
  ROUTING_LOCK_KEY,
  takeFeedWriteStamp,
} from '@hub/persistence';
import {
  eventually,
  feedMatch,
  oneConnection,
  openStoreDatabase,
  preparedStatements,
  seedOrganization,
  seedSubscription,
  type SeededSubscription,
  type StoreDatabase,
  unkeyedScans,
} from './store-database';

describe('FeedStore against PostgreSQL', () => {
  let db: StoreDatabase;
  let feeds: FeedStore;

  beforeAll(async () => {
    db = await openStoreDatabase('feeds');
    feeds = new FeedStore(db.dataSource);
  });
  afterAll(() => db.close());

  const subscription = async (delivery: 'pull' | 'webhook'): Promise<SeededSubscription> =>
    seedSubscription(db.dataSource, await seedOrganization(db.dataSource), delivery);

  /** The whole feed as the gateway pages it; retried while another process's transaction holds entries back. */
  async function wholeFeed(subscriptionId: string, expected: number, pageSize = 2): Promise<FeedEntry[]> {
    return eventually(
      async () => {
        const entries: FeedEntry[] = [];
        for (;;) {
          const page = await feeds.read(subscriptionId, entries.at(-1)?.position ?? null, pageSize);
          entries.push(...page);
          if (page.length < pageSize) return entries;
        }
      },
      (entries) => entries.length >= expected,
    );
  }

  const deliveriesOf = async (subscriptionId: string): Promise<string[]> =>
    (
      await db.dataSource.query<{ event_id: string }[]>(
        'SELECT event_id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY feed_entry_id',
        [subscriptionId],
      )
    ).map((row) => row.event_id);

  /** The feed NOTIFY payloads sent while `work` runs, heard on a LISTEN connection of the test's own. */
  async function feedNotifications(work: () => Promise<unknown>): Promise<string[]> {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => {
      if (message.channel === FEED_CHANNEL) payloads.push(message.payload ?? '');
    });
    try {
      await listener.query(`LISTEN ${FEED_CHANNEL}`);
      await work();
      // A round trip on the listening connection: notifications committed before it have arrived.
      await listener.query('SELECT 1');
      return payloads;
    } finally {
      await listener.end();
    }
  }

  it('names in its feed NOTIFY the subscriptions that got entries, or none when they would not fit', async () => {
    const [first, second, untouched] = await Promise.all([
      subscription('pull'),
      subscription('webhook'),
      subscription('pull'),
    ]);
    const named = await feedNotifications(() =>
      feeds.append([feedMatch(first), feedMatch(second), feedMatch(first)]),
    );
    expect(named).toHaveLength(1);
    expect(named[0].split(',').sort()).toEqual([first.id, second.id].sort());
    expect(named[0]).not.toContain(untouched.id);
    // Nothing new, no wake-up.
    expect(await feedNotifications(() => feeds.append([]))).toEqual([]);

    // 250 subscriptions would pass PostgreSQL's 8000-byte payload limit: "everyone" instead.
    const owner = await seedOrganization(db.dataSource);
    const many = await Promise.all(
      Array.from({ length: 250 }, () => seedSubscription(db.dataSource, owner, 'pull')),
    );
    expect(await feedNotifications(() => feeds.append(many.map((each) => feedMatch(each))))).toEqual(['']);
  });

  it('appends each (subscription, event) once, with a delivery beside each new entry of a webhook subscription', async () => {
    const pull = await subscription('pull');
    const webhook = await subscription('webhook');
    const matches = [feedMatch(pull), feedMatch(webhook), feedMatch(webhook)];

    expect(await feeds.append(matches)).toBe(3);
    // A router re-reading the same events after a crash or a rebalance adds nothing.
    expect(await feeds.append(matches)).toBe(0);
    expect(await feeds.append([matches[2], feedMatch(webhook)])).toBe(1);

    expect((await wholeFeed(pull.id, 1)).map((entry) => entry.eventId)).toEqual([matches[0].eventId]);
    const webhookFeed = (await wholeFeed(webhook.id, 3)).map((entry) => entry.eventId);
    expect(webhookFeed).toHaveLength(3);
    expect(await deliveriesOf(webhook.id)).toEqual(webhookFeed);
    expect(await deliveriesOf(pull.id)).toEqual([]);
  });

  it('never gives a subscription an older version of a record than one it holds', async () => {
    const pull = await subscription('pull');
    const recordId = randomUUID();
    const v3 = feedMatch(pull, { recordId, recordVersion: 3 });
    expect(await feeds.append([v3])).toBe(1);
    // Version 2 arriving late (a replay copied version 3 while the router was behind) is skipped.
    expect(await feeds.append([feedMatch(pull, { recordId, recordVersion: 2 })])).toBe(0);
    const v4 = feedMatch(pull, { recordId, recordVersion: 4 });
    expect(await feeds.append([v4])).toBe(1);

    expect((await wholeFeed(pull.id, 2)).map((entry) => entry.eventId)).toEqual([v3.eventId, v4.eventId]);
    expect(await feeds.priorRecipients([recordId, randomUUID()])).toEqual(new Map([[recordId, [pull.id]]]));
  });

  it('a recall cancels the pending deliveries of earlier versions; one matched in the same append gets none', async () => {
    const webhook = await subscription('webhook');
    const pending = feedMatch(webhook);
    const other = feedMatch(webhook);
    expect(await feeds.append([pending, other])).toBe(2);
    const recallOf = (match: FeedMatch, version: number): FeedMatch => {
      const recall = buildRecallEvent({
        ...(match.event as HubCloudEvent<PublishedRecord>),
        id: randomUUID(),
      });
      return { ...match, eventId: recall.id, recordVersion: version, eventType: recall.type, event: recall };
    };
    expect(await feeds.append([recallOf(pending, 2)])).toBe(1);
    const statuses = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (
          await db.dataSource.query<{ event_id: string; status: string; cancel_reason: string | null }[]>(
            'SELECT event_id, status, cancel_reason FROM webhook_deliveries WHERE subscription_id = $1',
            [webhook.id],
          )
        ).map((row) => [row.event_id, `${row.status}${row.cancel_reason ? `:${row.cancel_reason}` : ''}`]),
      );
    expect(await statuses()).toMatchObject({
      [pending.eventId]: 'cancelled:recalled',
      [other.eventId]: 'pending',
    });
    // The record is the subscription's no more: revisions follow it there no longer.
    expect(await feeds.priorRecipients([pending.recordId, other.recordId])).toEqual(
      new Map([[other.recordId, [webhook.id]]]),
    );

    // Version 1 and its recall routed in one batch: version 1 gets an entry, but no delivery.
    const late = feedMatch(webhook);
    const lateRecall = recallOf(late, 2);
    expect(await feeds.append([late, lateRecall])).toBe(2);
    const after = await statuses();
    expect(after).not.toHaveProperty(late.eventId);
    expect(after[lateRecall.eventId]).toBe('pending');
  });

  it('pages in commit order and never skips an entry whose transaction commits after later ones', async () => {
    const pull = await subscription('pull');
    const early = feedMatch(pull);
    await feeds.append([early]);
    const open = await db.openTransaction();
    const late = feedMatch(pull);
    await open.query(
      `INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event, record_version)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [late.subscriptionId, late.eventId, late.recordId, late.eventType, late.event, late.recordVersion],
    );
    const after = [feedMatch(pull), feedMatch(pull)];
    await feeds.append(after);

    // While the late transaction runs, the reader gets what came before it and nothing after.
    const held = await feeds.read(pull.id, null, 10);
    expect(held.map((entry) => entry.eventId)).toEqual([early.eventId]);
    expect(await feeds.read(pull.id, held[0].position, 10)).toEqual([]);

    await open.commit();
    const rest = await eventually(
      () => feeds.read(pull.id, held[0].position, 10),
      (entries) => entries.length === 3,
    );
    expect(rest.map((entry) => entry.eventId)).toEqual([
      late.eventId,
      ...after.map((match) => match.eventId),
    ]);
    expect(rest[0].addedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(await feeds.entryWrittenAt(pull.organization.id, rest[0].position)).toEqual(rest[0].createdAt);
    // Only the subscriber's own organization finds the position.
    expect(await feeds.entryWrittenAt(randomUUID(), rest[0].position)).toBeNull();
  });

  it('narrows a page to entries added after an instant, keeping the order', async () => {
    const pull = await subscription('pull');
    await feeds.append([feedMatch(pull)]);
    const [first] = await wholeFeed(pull.id, 1);
    const later = [feedMatch(pull), feedMatch(pull)];
    for (const match of later) await feeds.append([match]);

    const added = await eventually(
      () => feeds.read(pull.id, null, 10, first.addedAt),
      (entries) => entries.length === 2,
    );
    expect(added.map((entry) => entry.eventId)).toEqual(later.map((match) => match.eventId));
  });

  it('plans a page once per connection and shape, as a walk of the feed index', async () => {
    const single = await oneConnection(db.url, 'store-feed-page-plan');
    try {
      const own = new FeedStore(single);
      const pull = await subscription('pull');
      const matches = [feedMatch(pull), feedMatch(pull), feedMatch(pull)];
      for (const match of matches) await feeds.append([match]);
      const [first] = await eventually(
        () => own.read(pull.id, null, 1),
        (page) => page.length === 1,
      );
      // Past the first runs (custom plans), PostgreSQL settles on the generic plan of each shape.
      for (let run = 0; run < 8; run += 1) {
        expect((await own.read(pull.id, null, 10)).map((entry) => entry.eventId)).toEqual(
          matches.map((match) => match.eventId),
        );
        expect((await own.read(pull.id, first.position, 10)).map((entry) => entry.eventId)).toEqual(
          matches.slice(1).map((match) => match.eventId),
        );
      }
      const statements = await preparedStatements(
        single,
        'WITH snapshot AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),%page AS%',
      );
      expect(statements).toHaveLength(2);
      for (const statement of statements) expect(statement.genericPlans).toBeGreaterThanOrEqual(3);
      // The generic plans read feed entries only by the feed index's key.
      const unkeyed = await unkeyedScans(
        single,
        [
          { statement: statements[0], execute: `'${pull.id}', 10` },
          {
            statement: statements[1],
            execute: `'${pull.id}', 10, '${first.position.txId}', ${first.position.id}`,
          },
        ],
        ['feed_entries'],
      );
      expect(unkeyed).toEqual([]);
    } finally {
      await single.destroy();
    }
  });

  it('appends a routed batch under the routing lock, which a replay takes exclusively', async () => {
    const pull = await subscription('pull');
    const replay = await db.openTransaction();
    await replay.query('SELECT pg_advisory_xact_lock($1::bigint)', [ROUTING_LOCK_KEY]);
    let routed = false;
    const appended = feeds.appendRouted(() => {
      routed = true;
      return Promise.resolve([feedMatch(pull)]);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(routed).toBe(false);
    await replay.commit();
    expect(await appended).toBe(1);
    expect(routed).toBe(true);
  });
  describe('date_added follows the feed order', () => {
    const ascending = (entries: readonly FeedEntry[]): boolean =>
      entries.every((entry, index) => index === 0 || entries[index - 1].addedAt <= entry.addedAt);

    it('stamps entries when their transaction takes its id, not when it began', async () => {
      const pull = await subscription('pull');
      const runner = db.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        const [{ began }] = (await runner.query('SELECT now() AS began')) as { began: Date }[];
        await new Promise((resolve) => setTimeout(resolve, 5));
        // Begun later, it takes its id first: it comes first in the feed.
        const first = feedMatch(pull);
        await feeds.append([first]);
        const second = [feedMatch(pull), feedMatch(pull)];
        await appendMatches(runner.manager, second, [FEED_CHANNEL]);
        await runner.commitTransaction();

        const feed = await wholeFeed(pull.id, 3);
        expect(feed.map((entry) => entry.eventId)).toEqual([first.eventId, ...second.map((m) => m.eventId)]);
        expect(feed[0].addedAt < feed[1].addedAt).toBe(true);
        // One stamp per transaction, after it began.
        expect(feed[2].addedAt).toBe(feed[1].addedAt);
        expect(feed[1].createdAt.getTime()).toBeGreaterThan(began.getTime());
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    });

    it('ascends along the pages while routed batches that began in another order write at once', async () => {
      const pull = await subscription('pull');
      // Each batch reads for a while before it writes: they take their ids in another order, and
      // several at the same moment.
      const delays = [3, 0, 2, 0, 1, 3, 1, 2];
      for (let round = 0; round < 4; round += 1)
        await Promise.all(
          delays.map((delay) =>
            feeds.appendRouted(async () => {
              await new Promise((resolve) => setTimeout(resolve, delay));
              return [feedMatch(pull), feedMatch(pull)];
            }),
          ),
        );
      const total = 4 * delays.length * 2;
      const feed = await wholeFeed(pull.id, total, 7);
      expect(feed).toHaveLength(total);
      expect(ascending(feed)).toBe(true);
      for (let page = 7; page < feed.length; page += 7) {
        const rest = await feeds.read(pull.id, null, 100, feed[page - 1].addedAt);
        // Resuming by date_added (TAXII's added_after) gives the rest of the feed, in order.
        expect(rest.map((entry) => entry.eventId)).toEqual(
          feed.filter((entry) => entry.addedAt > feed[page - 1].addedAt).map((entry) => entry.eventId),
        );
      }
    });

    it('takes the stamp before the entries take their transaction id, even when another waits for it', async () => {
      const pull = await subscription('pull');
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      const [first, second] = [db.dataSource.createQueryRunner(), db.dataSource.createQueryRunner()];
      try {
        await holder.query('SELECT pg_advisory_lock(7526752851161917801)');
        await first.startTransaction();
        await second.startTransaction();
        // `first` queues for the stamp, then `second` starts appending: were its id taken before
        // its stamp, it would come first in the feed with the later stamp.
        const firstStamped = takeFeedWriteStamp(first.manager);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const [early, late] = [feedMatch(pull), feedMatch(pull)];
        const secondAppended = appendMatches(second.manager, [late], [FEED_CHANNEL]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await holder.query('SELECT pg_advisory_unlock(7526752851161917801)');
        await firstStamped;
        await appendMatches(first.manager, [early], [FEED_CHANNEL]);
        await secondAppended;
        await first.commitTransaction();
        await second.commitTransaction();
        const feed = await wholeFeed(pull.id, 2);
        expect(feed.map((entry) => entry.eventId)).toEqual([early.eventId, late.eventId]);
        expect(feed[0].addedAt < feed[1].addedAt).toBe(true);
      } finally {
        for (const runner of [first, second]) {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          await runner.release();
        }
        await holder.end();
      }
    });

    it('keeps a stamp to its transaction: the next one on the same connection takes its own', async () => {
      const pull = await subscription('pull');
      const runner = db.dataSource.createQueryRunner();
      try {
        for (let round = 0; round < 2; round += 1) {
          await runner.startTransaction();
          await appendMatches(runner.manager, [feedMatch(pull)], [FEED_CHANNEL]);
          await runner.commitTransaction();
        }
        const [setting] = (await runner.query(
          "SELECT current_setting('hub.feed_write_stamp', true) AS stamp",
        )) as { stamp: string | null }[];
        expect(setting.stamp ?? '').toBe('');
      } finally {
        await runner.release();
      }
      const feed = await wholeFeed(pull.id, 2);
      expect(feed[0].addedAt < feed[1].addedAt).toBe(true);
    });

    it('a transaction that writes something else first takes the stamp before it', async () => {
      const pull = await subscription('pull');
      const runner = db.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await takeFeedWriteStamp(runner.manager);
        // Its id is taken: an entry committed meanwhile comes after its entries, and is added later.
        await runner.query('SELECT pg_current_xact_id()');
        const meanwhile = feedMatch(pull);
        await feeds.append([meanwhile]);
        const own = feedMatch(pull);
        await appendMatches(runner.manager, [own], [FEED_CHANNEL]);
        await runner.commitTransaction();
        const feed = await wholeFeed(pull.id, 2);
        expect(feed.map((entry) => entry.eventId)).toEqual([own.eventId, meanwhile.eventId]);
        expect(ascending(feed)).toBe(true);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    });

    it('never leaves its lock held when a statement timeout cancels it', async () => {
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      const runner = db.dataSource.createQueryRunner();
      try {
        await holder.query('SELECT pg_advisory_lock(7526752851161917801)');
        await runner.startTransaction();
        await runner.query("SET LOCAL statement_timeout = '200ms'");
        await expect(runner.query('SELECT feed_write_stamp()')).rejects.toThrow(/statement timeout/);
        await runner.rollbackTransaction();
        await holder.query('SELECT pg_advisory_unlock(7526752851161917801)');
        // The cancelled session holds nothing: another takes the lock at once, and it stamps again.
        const [{ taken }] = (
          await holder.query<{ taken: boolean }>('SELECT pg_try_advisory_lock(7526752851161917801) AS taken')
        ).rows;
        expect(taken).toBe(true);
        await holder.query('SELECT pg_advisory_unlock(7526752851161917801)');
        const [{ stamp }] = (await runner.query('SELECT feed_write_stamp() AS stamp')) as { stamp: Date }[];
        expect(stamp).toBeInstanceOf(Date);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
        await holder.end();
      }
    });
  });
});
