import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { OutboxLease, OutboxReader, useIndexPlans } from '@hub/persistence';
import {
  eventually,
  oneConnection,
  openStoreDatabase,
  preparedStatements,
  type StoreDatabase,
  unkeyedScans,
} from './store-database';

const INSERT_OUTBOX_ROW = `INSERT INTO outbox_events (topic, message_key, shard, event_id, event_type, event)
  VALUES ('hub.records.v1', $1::varchar, $3::smallint, $2::uuid, 'org.wco.cosmo.alert.created.v1',
          jsonb_build_object('id', $2::uuid, 'data', jsonb_build_object('reference', $1::varchar)))`;

/** The shard most tests write to and read; the sharding tests also use OTHER_SHARD. */
const SHARD = 0;
const OTHER_SHARD = 3;
const SHARDS = 4;

describe('OutboxReader against PostgreSQL', () => {
  let db: StoreDatabase;
  let reader: OutboxReader;

  beforeAll(async () => {
    db = await openStoreDatabase('outbox');
    reader = new OutboxReader(db.dataSource);
  });
  afterAll(() => db.close());

  /** Writes one outbox row per reference into the shard, all in one committed transaction; answers the references. */
  async function commitRowsTo(shard: number, ...references: string[]): Promise<string[]> {
    await db.dataSource.transaction(async (manager) => {
      for (const reference of references)
        await manager.query(INSERT_OUTBOX_ROW, [reference, randomUUID(), shard]);
    });
    return references;
  }
  const commitRows = (...references: string[]) => commitRowsTo(SHARD, ...references);

  /** The shard's pending rows, read as the relay does; retried while another process's transaction holds rows back. */
  const pendingReferences = async (shard = SHARD): Promise<string[]> => {
    const batch = await eventually(
      () => reader.nextBatch(shard, 1000),
      (read) => !read.heldBack,
    );
    return batch.rows.map((row) => row.key);
  };

  beforeEach(async () => {
    for (let shard = 0; shard < SHARDS; shard += 1) {
      const leftOver = await eventually(
        () => reader.nextBatch(shard, 1000),
        (read) => !read.heldBack,
      );
      await reader.markPublished(leftOver.rows.map((row) => row.id));
    }
  });

  it('reads in commit order, in batches that resume after the position, and never again once published', async () => {
    const first = await commitRows('A1', 'A2');
    const second = await commitRows('B1');
    const third = await commitRows('C1', 'C2');
    expect(await pendingReferences()).toEqual([...first, ...second, ...third]);

    const page = await reader.nextBatch(SHARD, 2);
    expect(page.rows.map((row) => row.key)).toEqual(['A1', 'A2']);
    expect(page.rows[0].data).toBe('{"reference": "A1"}');
    expect(page.rows[0].attributes).not.toHaveProperty('data');
    const last = page.rows[1];
    const next = await reader.nextBatch(SHARD, 2, { txId: last.txId, id: last.id });
    expect(next.rows.map((row) => row.key)).toEqual(['B1', 'C1']);

    await reader.markPublished([...page.rows, ...next.rows].map((row) => row.id));
    expect(await pendingReferences()).toEqual(['C2']);
    // Marking again is harmless.
    await reader.markPublished(page.rows.map((row) => row.id));
    expect(await pendingReferences()).toEqual(['C2']);
    expect((await reader.backlog(SHARDS)).pending).toBe(1);
  });

  it('plans a batch once per connection and shape, as a walk of the pending index from the position', async () => {
    const single = await oneConnection(db.url, 'store-outbox-plan');
    try {
      const own = new OutboxReader(single);
      const written = await commitRows('P1', 'P2', 'P3');
      const first = await eventually(
        () => own.nextBatch(SHARD, 1),
        (read) => !read.heldBack,
      );
      expect(first.rows.map((row) => row.key)).toEqual(['P1']);
      const position = { txId: first.rows[0].txId, id: first.rows[0].id };
      for (let run = 0; run < 3; run += 1) {
        expect((await own.nextBatch(SHARD, 10)).rows.map((row) => row.key)).toEqual(written);
        expect((await own.nextBatch(SHARD, 10, position)).rows.map((row) => row.key)).toEqual(
          written.slice(1),
        );
      }
      const statements = await preparedStatements(
        single,
        'WITH snapshot AS (SELECT pg_snapshot_xmin(%batch AS%',
      );
      expect(statements).toHaveLength(2);
      for (const statement of statements) {
        expect(statement.customPlans).toBe(0);
        expect(statement.genericPlans).toBeGreaterThanOrEqual(3);
      }
      const unkeyed = await unkeyedScans(
        single,
        [
          { statement: statements[0], execute: `10, ${SHARD}` },
          { statement: statements[1], execute: `10, ${SHARD}, '${position.txId}', ${position.id}` },
        ],
        ['outbox_events'],
        (manager) => useIndexPlans(manager, true),
      );
      expect(unkeyed).toEqual([]);
      await own.markPublished(first.rows.map((row) => row.id));
      expect(await pendingReferences()).toEqual(written.slice(1));
    } finally {
      await single.destroy();
    }
  });

  it('holds back rows committed after a transaction still running, then serves the late row first', async () => {
    await commitRows('before');
    const open = await db.openTransaction();
    await open.query(INSERT_OUTBOX_ROW, ['late', randomUUID(), SHARD]);
    await commitRows('after-1', 'after-2');

    const held = await reader.nextBatch(SHARD, 1000);
    // The row committed before the open transaction began is served; nothing after it is, not even committed rows.
    expect(held.rows.map((row) => row.key)).toEqual(['before']);
    expect(held.heldBack).toBe(true);
    await reader.markPublished(held.rows.map((row) => row.id));
    const stillHeld = await reader.nextBatch(SHARD, 1000);
    expect(stillHeld).toEqual({ rows: [], heldBack: true });

    await open.commit();
    // The transaction that began first comes first: no row is overtaken, none skipped.
    expect(await pendingReferences()).toEqual(['late', 'after-1', 'after-2']);
  });

  it('releases what a rolled-back transaction held back, and never serves its rows', async () => {
    const open = await db.openTransaction();
    await open.query(INSERT_OUTBOX_ROW, ['rolled-back', randomUUID(), SHARD]);
    await commitRows('kept');
    expect(await reader.nextBatch(SHARD, 1000)).toEqual({ rows: [], heldBack: true });

    await open.rollback();
    expect(await pendingReferences()).toEqual(['kept']);
  });

  it('keeps an open transaction that wrote nothing to the outbox from holding anything back once it ends', async () => {
    const open = await db.openTransaction();
    await commitRows('behind-a-reader');
    expect((await reader.nextBatch(SHARD, 1000)).heldBack).toBe(true);
    await open.commit();
    expect(await pendingReferences()).toEqual(['behind-a-reader']);
  });

  it('reads each shard on its own, gap-free: its rows in commit order, with a position of its own', async () => {
    const open = await db.openTransaction();
    await open.query(INSERT_OUTBOX_ROW, ['late-3', randomUUID(), OTHER_SHARD]);
    await commitRowsTo(SHARD, 'after-0a');
    await commitRowsTo(OTHER_SHARD, 'after-3');
    await commitRowsTo(SHARD, 'after-0b');
    // Transaction ids are the cluster's: a running writer holds back every shard, since it may yet write to any.
    expect(await reader.nextBatch(SHARD, 1000)).toEqual({ rows: [], heldBack: true });
    expect(await reader.nextBatch(OTHER_SHARD, 1000)).toEqual({ rows: [], heldBack: true });

    await open.commit();
    expect(await pendingReferences(OTHER_SHARD)).toEqual(['late-3', 'after-3']);
    const first = await eventually(
      () => reader.nextBatch(SHARD, 1),
      (read) => !read.heldBack,
    );
    expect(first.rows.map((row) => row.key)).toEqual(['after-0a']);
    // The position of one shard skips nothing of it, and nothing of another shard comes with it.
    const { txId, id } = first.rows[0];
    const next = await reader.nextBatch(SHARD, 1000, { txId, id });
    expect(next.rows.map((row) => row.key)).toEqual(['after-0b']);
    expect(await reader.nextBatch(2, 1000)).toEqual({ rows: [], heldBack: false });

    await reader.markPublished(first.rows.map((row) => row.id));
    expect(await pendingReferences(SHARD)).toEqual(['after-0b']);
    expect(await pendingReferences(OTHER_SHARD)).toEqual(['late-3', 'after-3']);
  });

  it('counts rows stranded in shards beyond the shard count', async () => {
    await commitRowsTo(SHARDS + 1, 'stranded');
    expect(await reader.backlog(SHARDS)).toMatchObject({ pending: 1, stranded: 1 });
    expect(await reader.backlog(SHARDS + 2)).toMatchObject({ pending: 1, stranded: 0 });
    const rows = await pendingReferences(SHARDS + 1);
    expect(rows).toEqual(['stranded']);
    await reader.markPublished((await reader.nextBatch(SHARDS + 1, 10)).rows.map((row) => row.id));
  });
});

describe('OutboxLease against PostgreSQL', () => {
  let db: StoreDatabase;
  const leases: OutboxLease[] = [];
  const lease = (): OutboxLease => {
    const created = new OutboxLease(db.url);
    leases.push(created);
    return created;
  };

  beforeAll(async () => {
    db = await openStoreDatabase('outbox_lease');
  });
  afterAll(async () => {
    await Promise.all(leases.map((each) => each.close()));
    await db.close();
  });

  it("gives each shard to one relay at a time, and a dead relay's shards to the one left", async () => {
    const first = lease();
    const second = lease();
    const alone = await first.survey();
    expect(alone.relays).toEqual([alone.self]);
    for (let shard = 0; shard < SHARDS; shard += 1) expect(await first.acquire(shard)).toBe(true);

    const both = await second.survey();
    expect([...both.relays].sort()).toEqual([alone.self, both.self].sort());
    expect([...both.holders.entries()].sort()).toEqual([0, 1, 2, 3].map((shard) => [shard, alone.self]));
    // A held shard is not taken from its holder; a released one is.
    expect(await second.acquire(1)).toBe(false);
    await first.release(1);
    expect(first.holds(1)).toBe(false);
    expect(await second.acquire(1)).toBe(true);
    expect(second.heldShards).toEqual([1]);

    // The first relay's connection dies (as with a SIGKILLed process): its leases go with it.
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await owner.query('SELECT pg_terminate_backend($1)', [alone.self]);
    } finally {
      await owner.end();
    }
    const after = await eventually(
      () => second.survey(),
      (survey) => !survey.relays.includes(alone.self),
    );
    expect(after.relays).toEqual([both.self]);
    expect([...after.holders.entries()]).toEqual([[1, both.self]]);
    for (const shard of [0, 2, 3]) expect(await second.acquire(shard)).toBe(true);
    expect(second.heldShards).toEqual([0, 1, 2, 3]);
    await eventually(
      () => Promise.resolve(first.holds(0)),
      (holds) => !holds,
    );
    expect(first.heldShards).toEqual([]);
  });
});
