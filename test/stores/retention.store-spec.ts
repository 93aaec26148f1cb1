import { randomUUID } from 'node:crypto';
import { RetentionSweep, type RetentionPolicy } from '@hub/persistence';
import {
  openStoreDatabase,
  seedOrganization,
  seedSubscription,
  type SeededOrganization,
  type SeededSubscription,
  type StoreDatabase,
} from './store-database';

const POLICY: RetentionPolicy = { feedEntryDays: 90, deliveryDays: 30, outboxDays: 30 };

describe('RetentionSweep against PostgreSQL', () => {
  let db: StoreDatabase;
  let sweep: RetentionSweep;
  let organization: SeededOrganization;
  let subscription: SeededSubscription;

  beforeAll(async () => {
    db = await openStoreDatabase('retention');
    sweep = new RetentionSweep(db.dataSource);
    organization = await seedOrganization(db.dataSource);
    subscription = await seedSubscription(db.dataSource, organization);
  });
  afterAll(() => db.close());

  const query = <R = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<R[]> =>
    db.dataSource.query<R[]>(sql, parameters);

  async function record(status: 'active' | 'withdrawn', version: number): Promise<string> {
    const id = randomUUID();
    await query(
      `INSERT INTO intelligence_records (id, type, originator_id, originator_code, reference, version, status, handling,
                                         body, submission_hash, created_at, updated_at)
       VALUES ($1, 'alert', $2, $3, $4, $5, $6, 'community', '{}', repeat('0', 64), now(), now())`,
      [id, organization.id, organization.code, `ret-${id.slice(0, 8)}`, version, status],
    );
    return id;
  }

  /** A feed entry written `ageDays` ago; answers its id. */
  async function feedEntry(recordId: string, version: number, ageDays: number): Promise<string> {
    const [row] = await query<{ id: string }>(
      `INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event, record_version, created_at)
       VALUES ($1, $2, $3, 'org.wco.cosmo.alert.published.v1', '{}', $4, now() - make_interval(days => $5))
       RETURNING id::text`,
      [subscription.id, randomUUID(), recordId, version, ageDays],
    );
    return row.id;
  }

  /** A delivery of an entry; finished ones `ageDays` ago, with one attempt. */
  async function delivery(
    entryId: string,
    status: 'pending' | 'delivered' | 'failed' | 'cancelled',
    ageDays: number,
  ): Promise<string> {
    const [row] = await query<{ id: string }>(
      `INSERT INTO webhook_deliveries (subscription_id, feed_entry_id, event_id, status, completed_at, cancel_reason, created_at)
       SELECT $1, f.id, f.event_id, $3::varchar,
              CASE WHEN $3::varchar = 'pending' THEN NULL ELSE now() - make_interval(days => $4) END,
              CASE WHEN $3::varchar = 'cancelled' THEN 'recalled' END,
              now() - make_interval(days => $4)
         FROM feed_entries f WHERE f.id = $2
       RETURNING id::text`,
      [subscription.id, entryId, status, ageDays],
    );
    await query(
      `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome)
       VALUES ($1, 1, now(), 12, 500, 'failed')`,
      [row.id],
    );
    return row.id;
  }

  /** An outbox row for a record version; published `publishedDaysAgo` ago (null: not yet). */
  async function outboxRow(
    recordId: string,
    version: number,
    publishedDaysAgo: number | null,
  ): Promise<string> {
    const [row] = await query<{ id: string }>(
      `INSERT INTO outbox_events (topic, message_key, shard, event_id, event_type, event, created_at, published_at)
       VALUES ('hub.alerts.v1', $1, 0, $2, 'org.wco.cosmo.alert.published.v1',
               jsonb_build_object('data', jsonb_build_object('version', $3::int)),
               now() - interval '100 days',
               CASE WHEN $4::int IS NULL THEN NULL ELSE now() - make_interval(days => $4::int) END)
       RETURNING id::text`,
      [recordId, randomUUID(), version, publishedDaysAgo],
    );
    return row.id;
  }

  const remaining = async (table: string, ids: string[]): Promise<string[]> =>
    (await query<{ id: string }>(`SELECT id::text FROM ${table} WHERE id::text = ANY($1::text[])`, [ids]))
      .map((row) => row.id)
      .sort();

  it('ages out old rows and keeps pending work, referenced entries, what revisions and replays need, and the audit trail', async () => {
    const active = await record('active', 2);
    const withdrawn = await record('withdrawn', 1);
    const entries = {
      activeV1: await feedEntry(active, 1, 100),
      activeV2: await feedEntry(active, 2, 100), // the newest of an active record: how a revision finds its recipient
      withdrawn: await feedEntry(withdrawn, 1, 100),
      recentWithdrawn: await feedEntry(withdrawn, 1, 1),
      ofPending: await feedEntry(withdrawn, 1, 100),
      ofOldDelivered: await feedEntry(withdrawn, 1, 100),
      ofRecentDelivered: await feedEntry(withdrawn, 1, 100),
      ofOldFailed: await feedEntry(withdrawn, 1, 100),
      ofOldCancelled: await feedEntry(withdrawn, 1, 100),
    };
    const deliveries = {
      pending: await delivery(entries.ofPending, 'pending', 100),
      oldDelivered: await delivery(entries.ofOldDelivered, 'delivered', 40),
      recentDelivered: await delivery(entries.ofRecentDelivered, 'delivered', 1),
      oldFailed: await delivery(entries.ofOldFailed, 'failed', 40),
      oldCancelled: await delivery(entries.ofOldCancelled, 'cancelled', 40),
    };
    const outbox = {
      activeV1: await outboxRow(active, 1, 40),
      activeV2: await outboxRow(active, 2, 40), // a new subscription's replay reads it
      withdrawn: await outboxRow(withdrawn, 1, 40),
      recent: await outboxRow(withdrawn, 1, 1),
      unpublished: await outboxRow(withdrawn, 1, null),
    };
    await query(
      `INSERT INTO audit_events (actor_type, actor_code, action, outcome, resource_type, occurred_at)
       VALUES ('service', 'relay', 'record.read', 'success', 'alert', now() - interval '10 years')`,
    );
    const auditBefore = await query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');

    // Bounded batches: one row of each table at most.
    const first = await sweep.pass(POLICY, 1);
    expect(first).toEqual({ deliveries: 1, deliveryAttempts: 1, feedEntries: 1, outboxEvents: 1 });
    for (
      let pass = await sweep.pass(POLICY, 1);
      Object.values(pass).some(Boolean);
      pass = await sweep.pass(POLICY, 1)
    );

    expect(await remaining('webhook_deliveries', Object.values(deliveries))).toEqual(
      [deliveries.pending, deliveries.recentDelivered].sort(),
    );
    expect(
      await remaining(
        'delivery_attempts',
        (await query<{ id: string }>('SELECT id::text FROM delivery_attempts')).map((row) => row.id),
      ),
    ).toHaveLength(2);
    expect(await remaining('feed_entries', Object.values(entries))).toEqual(
      [entries.activeV2, entries.recentWithdrawn, entries.ofPending, entries.ofRecentDelivered].sort(),
    );
    expect(await remaining('outbox_events', Object.values(outbox))).toEqual(
      [outbox.activeV2, outbox.recent, outbox.unpublished].sort(),
    );
    expect(await query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).toEqual(auditBefore);
  });

  it('keeps everything of a kind whose retention is 0', async () => {
    const withdrawn = await record('withdrawn', 1);
    const entry = await feedEntry(withdrawn, 1, 1000);
    const old = await delivery(await feedEntry(withdrawn, 1, 1000), 'delivered', 1000);
    const published = await outboxRow(withdrawn, 1, 1000);
    expect(await sweep.pass({ feedEntryDays: 0, deliveryDays: 0, outboxDays: 0 }, 100)).toEqual({
      deliveries: 0,
      deliveryAttempts: 0,
      feedEntries: 0,
      outboxEvents: 0,
    });
    expect(await remaining('feed_entries', [entry])).toEqual([entry]);
    expect(await remaining('webhook_deliveries', [old])).toEqual([old]);
    expect(await remaining('outbox_events', [published])).toEqual([published]);
  });
});
