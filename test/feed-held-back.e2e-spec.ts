import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, FeedStore } from '@hub/persistence';
import { withDatabase } from './support/hub-harness';

/**
 * A pull feed serves only entries older than every running transaction; a long poll that finds
 * none but committed entries held back must know it, since their wake-up was already sent.
 */
describe('feed pages held back by a running transaction', () => {
  let dataSource: DataSource;
  let feeds: FeedStore;
  let subscriptionId: string;

  beforeAll(async () => {
    dataSource = new DataSource(
      dataSourceOptions({
        url: process.env.DATABASE_URL!,
        poolSize: 2,
        applicationName: 'cosmo-hub-held-back',
      }),
    );
    await dataSource.initialize();
    feeds = new FeedStore(dataSource);
    subscriptionId = randomUUID();
    await withDatabase(async (client) => {
      const code = `held-${randomUUID().slice(0, 8)}`;
      await client.query(
        `WITH o AS (INSERT INTO organizations (code, name, kind, country) VALUES ($1, $1, 'member', 'FR') RETURNING id, code)
         INSERT INTO subscriptions (id, organization_id, organization_code, name, filter, delivery_type)
         SELECT $2, id, code, 'held back', '{}'::jsonb, 'pull' FROM o`,
        [code, subscriptionId],
      );
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  async function appendEntry(client: Client): Promise<string> {
    const eventId = randomUUID();
    await client.query(
      `INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event)
       VALUES ($1, $2, $3, 'alert.published', $4)`,
      [subscriptionId, eventId, randomUUID(), { id: eventId }],
    );
    return eventId;
  }

  it('tells an empty page held back from an empty feed, and serves the entry once the older transaction ends', async () => {
    expect(await feeds.readPage(subscriptionId, null, 10)).toEqual({ entries: [], heldBack: false });
    const older = new Client({ connectionString: process.env.DATABASE_URL });
    await older.connect();
    try {
      // A transaction with an id, older than the entry's, still running.
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      const eventId = await withDatabase((client) => appendEntry(client));

      const held = await feeds.readPage(subscriptionId, null, 10);
      expect(held).toEqual({ entries: [], heldBack: true });
      expect(await feeds.read(subscriptionId, null, 10)).toEqual([]);

      await older.query('COMMIT');
      const served = await feeds.readPage(subscriptionId, null, 10);
      expect(served.heldBack).toBe(false);
      expect(served.entries.map((entry) => entry.eventId)).toEqual([eventId]);
      // Past the last entry: nothing served, nothing held back.
      expect(await feeds.readPage(subscriptionId, served.entries[0].position, 10)).toEqual({
        entries: [],
        heldBack: false,
      });
    } finally {
      await older.end();
    }
  });
});
