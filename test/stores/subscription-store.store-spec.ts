import { randomUUID } from 'node:crypto';
import {
  type AuditEntry,
  type SubscriptionChange,
  SubscriptionLimitReached,
  SubscriptionStore,
  useIndexPlans,
} from '@hub/persistence';
import {
  eventually,
  oneConnection,
  openStoreDatabase,
  preparedStatements,
  seedOrganization,
  type SeededOrganization,
  type StoreDatabase,
  unkeyedScans,
} from './store-database';

const audited = (action: AuditEntry['action']): AuditEntry => ({
  action,
  actor: { type: 'operator' },
  resourceType: 'subscription',
});

describe('SubscriptionStore.changesSince against PostgreSQL', () => {
  let db: StoreDatabase;
  let subscriptions: SubscriptionStore;
  let owner: SeededOrganization;

  beforeAll(async () => {
    db = await openStoreDatabase('subscriptions');
    subscriptions = new SubscriptionStore(db.dataSource);
    owner = await seedOrganization(db.dataSource, { kind: 'rilo', region: 'west-central-africa' });
  });
  afterAll(() => db.close());

  const create = async (name: string): Promise<string> => {
    const id = randomUUID();
    await subscriptions.create(
      {
        id,
        organizationId: owner.id,
        organizationCode: owner.code,
        name,
        filter: { regions: ['west-central-africa'] },
        deliveryType: 'pull',
        webhookUrl: null,
        secretCiphertext: null,
      },
      audited('subscription.created'),
      1000,
    );
    return id;
  };

  /** Changes since a watermark, once no other process's transaction holds the watermark back below them. */
  const changesSince = (since: string, expected: (changes: SubscriptionChange[]) => boolean) =>
    eventually(
      () => subscriptions.changesSince(since),
      ({ changes }) => expected(changes),
    );

  const names = (changes: SubscriptionChange[]): string[] => changes.map((change) => change.name);

  it('answers every subscription from the start, with its owner profile, in revision order', async () => {
    const first = await create('first');
    await create('second');
    const { changes, watermark } = await changesSince('0', (found) => found.length >= 2);

    expect(names(changes)).toEqual(['first', 'second']);
    expect(changes[0]).toMatchObject({
      id: first,
      organizationCode: owner.code,
      subscriberKind: 'rilo',
      subscriberRegion: 'west-central-africa',
      subscriberCountry: null,
      status: 'active',
    });
    expect(BigInt(changes[1].revision)).toBeGreaterThan(BigInt(changes[0].revision));
    expect(BigInt(watermark)).toBeGreaterThan(0n);
  });

  it('from a watermark, answers only later changes, an update and a deletion as new revisions', async () => {
    const kept = await create('kept');
    const changed = await create('changed');
    const { watermark } = await changesSince('0', (found) => names(found).includes('changed'));

    const revisionBefore = (await subscriptions.findOwned(owner.id, changed))!.revision;
    await subscriptions.updateOwned(
      owner.id,
      changed,
      { status: 'paused', pausedReason: 'maintenance' },
      audited('subscription.updated'),
    );
    await subscriptions.updateOwned(
      owner.id,
      changed,
      { status: 'deleted' },
      audited('subscription.deleted'),
    );

    const { changes, watermark: next } = await changesSince(watermark, (found) =>
      found.some((change) => change.status === 'deleted'),
    );
    // Rows may come again (applying them is idempotent), but the untouched one is not among the new ones
    // once the watermark has passed its transaction, and the changed one comes in its latest state.
    const latest = changes.filter((change) => change.id === changed);
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({ status: 'deleted', pausedReason: 'maintenance' });
    expect(BigInt(latest[0].revision)).toBeGreaterThan(BigInt(revisionBefore));
    const { changes: quiet } = await changesSince(
      next,
      (found) => !found.some((change) => change.id === kept),
    );
    expect(quiet.map((change) => change.id)).not.toContain(kept);
  });

  it('plans its read once per connection, as a walk of the changed_tx index', async () => {
    const single = await oneConnection(db.url, 'store-changes-plan');
    try {
      const own = new SubscriptionStore(single);
      const { watermark } = await own.changesSince('0');
      await create('planned');
      // Its own transactions and a router's (which set useIndexPlans' settings) share one plan.
      const found = await eventually(
        () => own.changesSince(watermark),
        ({ changes }) => names(changes).includes('planned'),
      );
      await single.transaction(async (manager) => {
        await useIndexPlans(manager, true);
        for (let run = 0; run < 3; run += 1)
          expect(names((await own.changesSince(watermark, manager)).changes)).toContain('planned');
      });
      expect(found.watermark).toMatch(/^\d+$/);
      const statements = await preparedStatements(
        single,
        'WITH snapshot AS (SELECT pg_snapshot_xmin(%watermark)%',
      );
      expect(statements).toHaveLength(1);
      expect(statements[0].customPlans).toBe(0);
      expect(statements[0].genericPlans).toBeGreaterThanOrEqual(5);
      const unkeyed = await unkeyedScans(
        single,
        [{ statement: statements[0], execute: `'${watermark}'` }],
        ['subscriptions'],
        (manager) => useIndexPlans(manager, true),
      );
      expect(unkeyed).toEqual([]);
    } finally {
      await single.destroy();
    }
  });

  it('never misses a change whose transaction commits after the read that passed it', async () => {
    const { watermark: start } = await changesSince('0', () => true);
    const open = await db.openTransaction();
    const lateId = randomUUID();
    await open.query(
      `INSERT INTO subscriptions (id, organization_id, organization_code, name, filter, delivery_type)
       VALUES ($1, $2, $3, 'late', '{}', 'pull')`,
      [lateId, owner.id, owner.code],
    );
    await create('meanwhile');

    // Read while the late transaction runs: the committed change is there, the late one not yet, and the
    // watermark stays at or below the late transaction so the next read still covers it.
    const during = await subscriptions.changesSince(start);
    expect(names(during.changes)).toContain('meanwhile');
    expect(names(during.changes)).not.toContain('late');

    await open.commit();
    const after = await changesSince(during.watermark, (found) => names(found).includes('late'));
    expect(after.changes.find((change) => change.id === lateId)).toMatchObject({
      name: 'late',
      status: 'active',
    });
  });
});

describe('SubscriptionStore.create against PostgreSQL: the per-organization limit', () => {
  let db: StoreDatabase;
  let subscriptions: SubscriptionStore;

  beforeAll(async () => {
    db = await openStoreDatabase('subscription_limit');
    subscriptions = new SubscriptionStore(db.dataSource);
  });
  afterAll(() => db.close());

  const create = (owner: SeededOrganization, limit: number): Promise<unknown> =>
    subscriptions.create(
      {
        id: randomUUID(),
        organizationId: owner.id,
        organizationCode: owner.code,
        name: 'quota',
        filter: {},
        deliveryType: 'pull',
        webhookUrl: null,
        secretCiphertext: null,
      },
      audited('subscription.created'),
      limit,
    );

  const held = async (owner: SeededOrganization): Promise<number> =>
    Number(
      (
        await db.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM subscriptions WHERE organization_id = $1 AND status <> 'deleted'`,
          [owner.id],
        )
      )[0].n,
    );

  it('lets exactly one of several concurrent creates take the last place, writing nothing for the others', async () => {
    const owner = await seedOrganization(db.dataSource, { kind: 'member', country: 'FR' });
    await create(owner, 3);
    await create(owner, 3);
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => create(owner, 3)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((outcome) => outcome.status === 'rejected')) {
      expect(outcome.reason).toBeInstanceOf(SubscriptionLimitReached);
    }
    expect(await held(owner)).toBe(3);
  });

  it('does not count deleted subscriptions, nor other organizations’', async () => {
    const owner = await seedOrganization(db.dataSource, { kind: 'member', country: 'DE' });
    const other = await seedOrganization(db.dataSource, { kind: 'member', country: 'IT' });
    await create(other, 1);
    await create(owner, 1);
    await expect(create(owner, 1)).rejects.toBeInstanceOf(SubscriptionLimitReached);
    await db.dataSource.query(`UPDATE subscriptions SET status = 'deleted' WHERE organization_id = $1`, [
      owner.id,
    ]);
    await create(owner, 1);
    expect(await held(owner)).toBe(1);
  });
});
