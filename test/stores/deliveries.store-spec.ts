import {
  type ClaimedDelivery,
  type DeliveryAttemptRecord,
  DeliveryClaims,
  DeliveryOutcomes,
  FeedStore,
  useIndexPlans,
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

const answered = (statusCode: number): DeliveryAttemptRecord => ({
  startedAt: new Date(),
  latencyMs: 12,
  statusCode,
  outcome: statusCode < 300 ? 'delivered' : 'failed',
  error: statusCode < 300 ? null : `HTTP ${statusCode}`,
});

describe('Delivery claims and outcomes against PostgreSQL', () => {
  let db: StoreDatabase;
  let claims: DeliveryClaims;
  let outcomes: DeliveryOutcomes;
  let feeds: FeedStore;

  beforeAll(async () => {
    db = await openStoreDatabase('deliveries');
    claims = new DeliveryClaims(db.dataSource);
    outcomes = new DeliveryOutcomes(db.dataSource);
    feeds = new FeedStore(db.dataSource);
  });
  afterAll(() => db.close());

  // Each test finishes what it claimed; this drains what a failed test left, so the next starts empty.
  afterEach(async () => {
    await db.dataSource.query("UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'pending'");
  });

  /** A webhook subscription with `count` events matched, one per append, in that order; answers their event ids. */
  async function subscriptionWith(
    count: number,
  ): Promise<{ subscription: SeededSubscription; events: string[] }> {
    const subscription = await seedSubscription(db.dataSource, await seedOrganization(db.dataSource));
    const events: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const match = feedMatch(subscription);
      await feeds.append([match]);
      events.push(match.eventId);
    }
    return { subscription, events };
  }

  /** Claims until something settled is claimable (another process's transaction may hold heads back a moment). */
  const claimSettled = (limit = 10, leaseMs = 30_000, depth = 1) =>
    eventually(
      () => claims.claim(limit, leaseMs, depth),
      (claim) => !claim.heldBack,
    ).then((claim) => claim.claimed);

  it('leases only the oldest pending delivery of each subscription, and the next once it is delivered', async () => {
    const one = await subscriptionWith(3);
    const two = await subscriptionWith(1);

    const first = await claimSettled();
    expect(first.map((claim) => claim.eventId).sort()).toEqual([one.events[0], two.events[0]].sort());
    expect(first.find((claim) => claim.subscriptionId === one.subscription.id)).toMatchObject({
      attempts: 0,
      webhookUrl: 'https://receiver.example/hook',
      secretCiphertext: 'sealed-secret',
      event: { id: one.events[0] },
    });
    // Leased: neither head is claimed again, and the next delivery waits behind its head.
    expect(await claimSettled()).toEqual([]);

    expect(
      await outcomes.markAllDelivered(first.map((delivery) => ({ delivery, attempt: answered(204) }))),
    ).toEqual([true, true]);
    const second = await claimSettled();
    expect(second.map((claim) => claim.eventId)).toEqual([one.events[1]]);
    await outcomes.markDelivered(second[0], answered(200));
    expect((await claimSettled()).map((claim) => claim.eventId)).toEqual([one.events[2]]);
  });

  it('completes a delivery once: a second outcome for the same lease changes nothing', async () => {
    const { subscription, events } = await subscriptionWith(1);
    await db.dataSource.query('UPDATE subscriptions SET consecutive_failures = 3 WHERE id = $1', [
      subscription.id,
    ]);
    const [claim] = await claimSettled();

    expect(await outcomes.markAllDelivered([{ delivery: claim, attempt: answered(204) }])).toEqual([true]);
    expect(await outcomes.markAllDelivered([{ delivery: claim, attempt: answered(204) }])).toEqual([false]);

    const [row] = await db.dataSource.query<{ status: string; attempts: number; lease_until: Date | null }[]>(
      'SELECT status, attempts, lease_until FROM webhook_deliveries WHERE id = $1',
      [claim.id],
    );
    expect(row).toEqual({ status: 'delivered', attempts: 1, lease_until: null });
    const [{ consecutive_failures }] = await db.dataSource.query<{ consecutive_failures: number }[]>(
      'SELECT consecutive_failures FROM subscriptions WHERE id = $1',
      [subscription.id],
    );
    expect(consecutive_failures).toBe(0);
    // Audited once, with the delivery; the lost second outcome still left its attempt in the history.
    const audit = await db.dataSource.query<{ event_ids: string[] }[]>(
      "SELECT event_ids FROM audit_events WHERE action = 'delivery.delivered' AND resource_id = $1",
      [claim.id],
    );
    expect(audit).toEqual([{ event_ids: events }]);
    const attempts = await db.dataSource.query<{ attempt: number }[]>(
      'SELECT attempt FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [claim.id],
    );
    expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2]);
  });

  it('retries later: the failed head blocks its subscription until due, then comes back with its attempt counted', async () => {
    const { events } = await subscriptionWith(2);
    const [claim] = await claimSettled();

    expect(await outcomes.scheduleRetry(claim, answered(503), 60_000)).toBe(true);
    // Not due, and the delivery behind it is not served out of order.
    expect(await claimSettled()).toEqual([]);
    // A retry with the lease already given back is refused.
    expect(await outcomes.scheduleRetry(claim, answered(503), 0)).toBe(false);

    await db.dataSource.query('UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1', [
      claim.id,
    ]);
    const [again] = await claimSettled();
    expect(again).toMatchObject({
      id: claim.id,
      eventId: events[0],
      attempts: 1,
      lastStatusCode: 503,
      lastError: 'HTTP 503',
    });
    expect(again.leaseUntil.getTime()).not.toBe(claim.leaseUntil.getTime());

    // Put back untried (no attempt): due at once, nothing counted.
    expect(await outcomes.scheduleRetry(again, null, 0)).toBe(true);
    expect(await claimSettled()).toEqual([expect.objectContaining({ id: claim.id, attempts: 1 })]);
  });

  it('gives back unused leases at once, but never a lease that has since passed to another claim', async () => {
    const { events } = await subscriptionWith(1);
    const [claim] = await claimSettled();
    await claims.release([claim]);
    const [reclaimed] = await claimSettled();
    expect(reclaimed).toMatchObject({ id: claim.id, eventId: events[0] });

    // The first claim's lease is stale: releasing it leaves the second claim's lease in place.
    await claims.release([claim]);
    expect(await claimSettled()).toEqual([]);
    expect(await outcomes.markDelivered(reclaimed, answered(204))).toBe(true);
  });

  it('leases each delivery to one of several notifiers claiming at once', async () => {
    const subscriptions = await Promise.all(Array.from({ length: 8 }, () => subscriptionWith(1)));
    const byNotifier = await Promise.all(Array.from({ length: 4 }, () => claims.claimDue(3, 30_000)));
    const claimed = byNotifier.flat().map((claim) => claim.eventId);
    expect(new Set(claimed).size).toBe(claimed.length);
    const rest = await claimSettled(100);
    expect([...claimed, ...rest.map((claim) => claim.eventId)].sort()).toEqual(
      subscriptions.map(({ events }) => events[0]).sort(),
    );
  });

  it('says when a pending delivery waits behind a leased head, so that finishing the head claims again', async () => {
    const { events } = await subscriptionWith(2);
    const first = await eventually(
      () => claims.claim(10, 30_000),
      (claim) => !claim.heldBack,
    );
    // The claim that leases the head saw it free: nothing waited behind a lease yet.
    expect(first).toMatchObject({ claimed: [{ eventId: events[0] }], behindLease: false });

    expect(await claims.claim(10, 30_000)).toEqual({ claimed: [], heldBack: false, behindLease: true });
    expect(await outcomes.markDelivered(first.claimed[0], answered(204))).toBe(true);
    const second = await claims.claim(10, 30_000);
    expect(second).toMatchObject({ claimed: [{ eventId: events[1] }], behindLease: false });
    // Leased with nothing behind it: finishing it makes nothing claimable.
    expect(await claims.claim(10, 30_000)).toEqual({ claimed: [], heldBack: false, behindLease: false });
    // A chain leased whole leaves nothing behind; one cut at the depth does.
    const { events: three } = await subscriptionWith(3);
    const chain = await eventually(
      () => claims.claim(10, 30_000, 2),
      (claim) => !claim.heldBack,
    );
    expect(chain.claimed.map((claim) => claim.eventId)).toEqual(three.slice(0, 2));
    expect((await claims.claim(10, 30_000, 2)).behindLease).toBe(true);
    expect(await outcomes.markDelivered(second.claimed[0], answered(204))).toBe(true);
  });

  it('plans a claim once per connection, from an empty queue, as the same plan that serves a full one', async () => {
    // One connection: the claims below share its prepared statement.
    const single = await oneConnection(db.url, 'store-claim-plan');
    try {
      const own = new DeliveryClaims(single);
      expect((await own.claim(10, 30_000, 4)).claimed).toEqual([]);
      const busy = await Promise.all(Array.from({ length: 3 }, () => subscriptionWith(1)));
      // Heads held back a moment by another process's transaction come in a later claim.
      const claimed: ClaimedDelivery[] = [];
      await eventually(
        async () => claimed.push(...(await own.claim(10, 30_000, 4)).claimed),
        (count) => count >= busy.length,
      );
      expect(claimed.map((claim) => claim.eventId).sort()).toEqual(
        busy.flatMap(({ events }) => events).sort(),
      );
      const plans = await preparedStatements(single, 'WITH heads AS%');
      expect(plans).toHaveLength(1);
      expect(plans[0].customPlans).toBe(0);
      expect(plans[0].genericPlans).toBeGreaterThanOrEqual(2);
      // The plan made on the small queue reads deliveries and feed entries only by an index's key:
      // a scan without one is a walk of the whole queue for every claim once it is full.
      const unkeyed = await unkeyedScans(
        single,
        [{ statement: plans[0], execute: '10, 30000, 4' }],
        ['webhook_deliveries', 'feed_entries'],
        (manager) => useIndexPlans(manager, true),
      );
      expect(unkeyed).toEqual([]);
      await outcomes.markAllDelivered(claimed.map((delivery) => ({ delivery, attempt: answered(204) })));
    } finally {
      await single.destroy();
    }
  });

  it('holds back a head whose feed entry came after a transaction still running, and says so', async () => {
    const open = await db.openTransaction();
    const { events } = await subscriptionWith(1);
    expect(await claims.claim(10, 30_000)).toEqual({ claimed: [], heldBack: true, behindLease: false });

    await open.commit();
    expect((await claimSettled()).map((claim) => claim.eventId)).toEqual(events);
  });

  it("leases a chain of each subscription's next deliveries, in order, up to the depth asked", async () => {
    const one = await subscriptionWith(5);
    const two = await subscriptionWith(2);

    const chains = await claimSettled(10, 30_000, 3);
    const of = (subscriptionId: string) =>
      chains.filter((claim) => claim.subscriptionId === subscriptionId).map((claim) => claim.eventId);
    expect(of(one.subscription.id)).toEqual(one.events.slice(0, 3));
    expect(of(two.subscription.id)).toEqual(two.events);
    // Every head is leased: nothing more of either subscription until they are done with.
    expect(await claimSettled(10, 30_000, 3)).toEqual([]);

    // Given back after the first delivery (as after a failed attempt): claimed again from there.
    const oneChain = chains.filter((claim) => claim.subscriptionId === one.subscription.id);
    expect(await outcomes.markDelivered(oneChain[0], answered(204))).toBe(true);
    await claims.release(oneChain.slice(1));
    expect((await claimSettled(10, 30_000, 10)).map((claim) => claim.eventId)).toEqual(one.events.slice(1));
  });

  it('ends a chain before a delivery not yet due, or one committed after a transaction still running', async () => {
    const { subscription, events } = await subscriptionWith(3);
    await db.dataSource.query(
      "UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour' WHERE event_id = $1",
      [events[1]],
    );
    const first = await claimSettled(10, 30_000, 5);
    expect(first.map((claim) => claim.eventId)).toEqual([events[0]]);
    expect(await outcomes.markDelivered(first[0], answered(204))).toBe(true);

    const late = await subscriptionWith(1);
    const open = await db.openTransaction();
    const behind = feedMatch(late.subscription);
    await feeds.append([behind]);
    const claimed = await claims.claim(10, 30_000, 5);
    // The settled head goes; the delivery written after the running transaction waits.
    expect(claimed.claimed.map((claim) => claim.eventId)).toEqual(late.events);
    await open.commit();
    expect(await outcomes.markDelivered(claimed.claimed[0], answered(204))).toBe(true);
    const next = await claimSettled(10, 30_000, 5);
    expect(
      next.filter((claim) => claim.subscriptionId === late.subscription.id).map((claim) => claim.eventId),
    ).toEqual([behind.eventId]);
    // The first subscription's delivery not yet due still holds back the one behind it.
    expect(next.filter((claim) => claim.subscriptionId === subscription.id)).toEqual([]);
  });

  it("leases a subscription's chain to one of several notifiers claiming at once, from its head", async () => {
    const subscriptions = await Promise.all(Array.from({ length: 6 }, () => subscriptionWith(4)));
    const byNotifier = await Promise.all(Array.from({ length: 4 }, () => claims.claimDue(6, 30_000, 3)));
    for (const { subscription, events } of subscriptions) {
      const holders = byNotifier
        .map((claimed) => claimed.filter((claim) => claim.subscriptionId === subscription.id))
        .filter((claimed) => claimed.length > 0);
      expect(holders.length).toBeLessThanOrEqual(1);
      // From its head, in order, unbroken (shorter when another claim held some of its rows a moment).
      if (holders.length === 1) {
        const claimed = holders[0].map((claim) => claim.eventId);
        expect(claimed).toEqual(events.slice(0, claimed.length));
      }
    }
    expect(byNotifier.flat().length).toBeGreaterThan(0);
  });
});
