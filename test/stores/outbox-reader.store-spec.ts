import { randomUUID } from 'node:crypto';
import { OutboxReader } from '@hub/persistence';
import { eventually, openStoreDatabase, type StoreDatabase } from './store-database';

const INSERT_OUTBOX_ROW = `INSERT INTO outbox_events (topic, message_key, event_id, event_type, event)
  VALUES ('hub.records.v1', $1::varchar, $2::uuid, 'org.wco.cosmo.alert.created.v1',
          jsonb_build_object('id', $2::uuid, 'data', jsonb_build_object('reference', $1::varchar)))`;

describe('OutboxReader against PostgreSQL', () => {
  let db: StoreDatabase;
  let reader: OutboxReader;

  beforeAll(async () => {
    db = await openStoreDatabase('outbox');
    reader = new OutboxReader(db.dataSource);
  });
  afterAll(() => db.close());

  /** Writes one outbox row per reference, all in one committed transaction; answers the references. */
  async function commitRows(...references: string[]): Promise<string[]> {
    await db.dataSource.transaction(async (manager) => {
      for (const reference of references) await manager.query(INSERT_OUTBOX_ROW, [reference, randomUUID()]);
    });
    return references;
  }

  /** Every pending row, read as the relay does; retried while another process's transaction holds rows back. */
  const pendingReferences = async (): Promise<string[]> => {
    const batch = await eventually(
      () => reader.nextBatch(1000),
      (read) => !read.heldBack,
    );
    return batch.rows.map((row) => row.key);
  };

  beforeEach(async () => {
    const leftOver = await eventually(
      () => reader.nextBatch(1000),
      (read) => !read.heldBack,
    );
    await reader.markPublished(leftOver.rows.map((row) => row.id));
  });

  it('reads in commit order, in batches that resume after the position, and never again once published', async () => {
    const first = await commitRows('A1', 'A2');
    const second = await commitRows('B1');
    const third = await commitRows('C1', 'C2');
    expect(await pendingReferences()).toEqual([...first, ...second, ...third]);

    const page = await reader.nextBatch(2);
    expect(page.rows.map((row) => row.key)).toEqual(['A1', 'A2']);
    expect(page.rows[0].data).toBe('{"reference": "A1"}');
    expect(page.rows[0].attributes).not.toHaveProperty('data');
    const last = page.rows[1];
    const next = await reader.nextBatch(2, { txId: last.txId, id: last.id });
    expect(next.rows.map((row) => row.key)).toEqual(['B1', 'C1']);

    await reader.markPublished([...page.rows, ...next.rows].map((row) => row.id));
    expect(await pendingReferences()).toEqual(['C2']);
    // Marking again is harmless.
    await reader.markPublished(page.rows.map((row) => row.id));
    expect(await pendingReferences()).toEqual(['C2']);
    expect((await reader.backlog()).pending).toBe(1);
  });

  it('holds back rows committed after a transaction still running, then serves the late row first', async () => {
    await commitRows('before');
    const open = await db.openTransaction();
    await open.query(INSERT_OUTBOX_ROW, ['late', randomUUID()]);
    await commitRows('after-1', 'after-2');

    const held = await reader.nextBatch(1000);
    // The row committed before the open transaction began is served; nothing after it is, not even committed rows.
    expect(held.rows.map((row) => row.key)).toEqual(['before']);
    expect(held.heldBack).toBe(true);
    await reader.markPublished(held.rows.map((row) => row.id));
    const stillHeld = await reader.nextBatch(1000);
    expect(stillHeld).toEqual({ rows: [], heldBack: true });

    await open.commit();
    // The transaction that began first comes first: no row is overtaken, none skipped.
    expect(await pendingReferences()).toEqual(['late', 'after-1', 'after-2']);
  });

  it('releases what a rolled-back transaction held back, and never serves its rows', async () => {
    const open = await db.openTransaction();
    await open.query(INSERT_OUTBOX_ROW, ['rolled-back', randomUUID()]);
    await commitRows('kept');
    expect(await reader.nextBatch(1000)).toEqual({ rows: [], heldBack: true });

    await open.rollback();
    expect(await pendingReferences()).toEqual(['kept']);
  });

  it('keeps an open transaction that wrote nothing to the outbox from holding anything back once it ends', async () => {
    const open = await db.openTransaction();
    await commitRows('behind-a-reader');
    expect((await reader.nextBatch(1000)).heldBack).toBe(true);
    await open.commit();
    expect(await pendingReferences()).toEqual(['behind-a-reader']);
  });
});
