import { Client } from 'pg';
import { appendAudit, AuditChain, type AuditEntry } from '@hub/persistence';
import { eventually, openStoreDatabase, type StoreDatabase } from './store-database';

const entry = (code: string): AuditEntry => ({
  action: 'record.read',
  actor: { type: 'organization', code },
  resourceType: 'alert',
  detail: { by: code },
});

/** As the owner, with the append-only trigger off for one transaction: what the chain must expose. */
async function asOwnerWithoutTrigger(url: string, ...statements: [string, unknown[]][]): Promise<void> {
  const owner = new Client({ connectionString: url });
  await owner.connect();
  try {
    await owner.query('BEGIN');
    await owner.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    for (const [statement, parameters] of statements) await owner.query(statement, parameters);
    await owner.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only');
    await owner.query('COMMIT');
  } finally {
    await owner.end();
  }
}

describe('AuditChain against PostgreSQL', () => {
  let db: StoreDatabase;
  let chain: AuditChain;

  beforeAll(async () => {
    db = await openStoreDatabase('audit_chain');
    chain = new AuditChain(db.dataSource);
  });
  afterAll(() => db.close());

  /** Links everything committed, as the relay's rounds do. */
  const chainAll = async (): Promise<void> => {
    for (
      let round = await chain.extend(1000);
      round.linked > 0 || round.heldBack;
      round = await chain.extend(1000)
    ) {
      if (round.heldBack && round.linked === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('links entries appended by concurrent transactions in commit-safe order; one still running is linked once it commits', async () => {
    const open = await db.openTransaction();
    await open.query(
      `INSERT INTO audit_events (actor_type, actor_code, action, outcome, resource_type)
       VALUES ('organization', 'late-writer', 'record.read', 'success', 'alert')`,
    );
    // 40 writers at once, each its own transaction, as the gateway, router and notifier append.
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        db.dataSource.transaction((manager) =>
          appendAudit(manager, [entry(`w${index}`), entry(`w${index}`)]),
        ),
      ),
    );
    // The open transaction's xid is older than the writers': nothing after it may be linked yet.
    const held = await chain.extend(1000);
    expect(held).toEqual({ linked: 0, heldBack: true });
    await open.commit();
    await chainAll();

    const verification = await eventually(
      () => chain.verify(),
      (result) => result.pending === 0,
    );
    expect(verification).toMatchObject({ ok: true, verified: 81, pending: 0, broken: null });
    const links = await db.dataSource.query<{ position: string; event_id: string }[]>(
      `SELECT c.position::text, c.event_id::text FROM audit_chain c
         JOIN audit_events a ON a.id = c.event_id ORDER BY a.tx_id, a.id`,
    );
    expect(links.map((link) => Number(link.position))).toEqual(
      Array.from({ length: 81 }, (_, index) => index + 1),
    );
  });

  it('one chainer at a time: two chainers racing link each entry once', async () => {
    await db.dataSource.transaction((manager) =>
      appendAudit(
        manager,
        Array.from({ length: 30 }, (_, index) => entry(`race${index}`)),
      ),
    );
    await eventually(
      () => Promise.all([chain.extend(7), chain.extend(7), chain.extend(7)]).then(() => chain.verify()),
      (result) => result.pending === 0,
    );
    expect(await chain.verify()).toMatchObject({ ok: true, verified: 111, pending: 0 });
  });

  it('reports the first broken link, expected against found; putting the entry back mends it', async () => {
    const [target] = await db.dataSource.query<{ event_id: string; position: string; entry_hash: string }[]>(
      'SELECT event_id::text, position::text, entry_hash FROM audit_chain WHERE position = 42',
    );
    const [original] = await db.dataSource.query<Record<string, unknown>[]>(
      'SELECT row_to_json(a)::jsonb AS row FROM audit_events a WHERE id = $1',
      [target.event_id],
    );
    const restore: [string, unknown[]] = [
      'INSERT INTO audit_events SELECT * FROM jsonb_populate_record(NULL::audit_events, $1::jsonb)',
      [original.row],
    ];
    const update: [string, unknown[]] = [
      "UPDATE audit_events SET actor_code = 'someone-else' WHERE id = $1",
      [target.event_id],
    ];
    const remove: [string, unknown[]] = ['DELETE FROM audit_events WHERE id = $1', [target.event_id]];

    await asOwnerWithoutTrigger(db.ownerUrl, update);
    const changed = await chain.verify();
    expect(changed).toMatchObject({
      ok: false,
      verified: 41,
      broken: {
        position: '42',
        entryId: target.event_id,
        reason: 'entry-changed',
        expected: target.entry_hash,
      },
    });
    expect(changed.broken!.found).toMatch(/^[0-9a-f]{64}$/);
    expect(changed.broken!.found).not.toBe(target.entry_hash);

    await asOwnerWithoutTrigger(db.ownerUrl, remove, restore);
    expect(await chain.verify()).toMatchObject({ ok: true, verified: 111 });

    await asOwnerWithoutTrigger(db.ownerUrl, remove);
    expect(await chain.verify()).toMatchObject({
      ok: false,
      verified: 41,
      broken: {
        position: '42',
        entryId: target.event_id,
        reason: 'entry-missing',
        expected: target.entry_hash,
      },
    });
    await asOwnerWithoutTrigger(db.ownerUrl, restore);
    expect(await chain.verify()).toMatchObject({ ok: true, verified: 111 });

    // Written (by anyone allowed to INSERT) with an old transaction id: linked at the head all the same.
    await db.dataSource.query(
      `INSERT INTO audit_events (tx_id, actor_type, actor_code, action, outcome, resource_type)
       SELECT tx_id, 'organization', 'backdater', 'record.read', 'success', 'alert' FROM audit_events ORDER BY id LIMIT 1`,
    );
    await chainAll();
    expect(await chain.verify()).toMatchObject({ ok: true, verified: 112, pending: 0 });
    const [{ position }] = await db.dataSource.query<{ position: string }[]>(
      `SELECT c.position::text FROM audit_chain c JOIN audit_events a ON a.id = c.event_id WHERE a.actor_code = 'backdater'`,
    );
    expect(position).toBe('112');

    // With an old id as well, below everything chained: never linked, so verify names it.
    const [slipped] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO audit_events (id, tx_id, actor_type, actor_code, action, outcome, resource_type)
       SELECT -1, tx_id, 'organization', 'forger', 'record.read', 'success', 'alert' FROM audit_events ORDER BY id LIMIT 1
       RETURNING id::text`,
    );
    await chainAll();
    expect(await chain.verify()).toMatchObject({
      ok: false,
      verified: 112,
      broken: { entryId: slipped.id, reason: 'entry-unchained' },
    });
  });
});
