import {
  type AuditEntry,
  type DeliveryAttemptRecord,
  DeliveryClaims,
  DeliveryOutcomes,
  FeedStore,
  OrganizationDirectory,
} from '@hub/persistence';
import {
  eventually,
  feedMatch,
  openStoreDatabase,
  seedOrganization,
  seedSubscription,
  type SeededOrganization,
  type StoreDatabase,
} from './store-database';

const delivered: DeliveryAttemptRecord = {
  startedAt: new Date(),
  latencyMs: 15,
  statusCode: 204,
  outcome: 'delivered',
  error: null,
};

describe('Suspending an organization against PostgreSQL: its deliveries', () => {
  let db: StoreDatabase;
  let claims: DeliveryClaims;
  let outcomes: DeliveryOutcomes;
  let feeds: FeedStore;
  let directory: OrganizationDirectory;

  beforeAll(async () => {
    db = await openStoreDatabase('suspension');
    claims = new DeliveryClaims(db.dataSource);
    outcomes = new DeliveryOutcomes(db.dataSource);
    feeds = new FeedStore(db.dataSource);
    directory = new OrganizationDirectory(db.dataSource);
  });
  afterAll(() => db.close());

  afterEach(async () => {
    await db.dataSource.query("UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'pending'");
  });

  const audit = (organization: SeededOrganization, action: AuditEntry['action']): AuditEntry => ({
    action,
    actor: { type: 'operator', code: 'operator' },
    resourceType: 'organization',
    resourceId: organization.code,
  });

  /** An organization with a webhook subscription and one pending delivery; answers them with its event id. */
  async function withPendingDelivery() {
    const organization = await seedOrganization(db.dataSource);
    const subscription = await seedSubscription(db.dataSource, organization);
    const match = feedMatch(subscription);
    await feeds.append([match]);
    return { organization, subscription, eventId: match.eventId };
  }

  const claimSettled = () =>
    eventually(
      () => claims.claim(10, 30_000),
      (claim) => !claim.heldBack,
    ).then((claim) => claim.claimed);

  const deliveryRow = async (eventId: string) =>
    (
      await db.dataSource.query<{ status: string; cancel_reason: string | null; lease_until: Date | null }[]>(
        'SELECT status, cancel_reason, lease_until FROM webhook_deliveries WHERE event_id = $1',
        [eventId],
      )
    )[0];

  it("claims nothing of a suspended organization's subscriptions, even a delivery left pending", async () => {
    const suspended = await withPendingDelivery();
    const active = await withPendingDelivery();
    // As if the suspension had cancelled nothing: the claim itself leaves the organization out.
    await db.dataSource.query(
      "UPDATE organizations SET status = 'suspended', suspended_at = now(), suspension_reason = 'test' WHERE id = $1",
      [suspended.organization.id],
    );
    expect((await claimSettled()).map((claim) => claim.eventId)).toEqual([active.eventId]);
    expect((await claims.backlog()).pending).toBeGreaterThanOrEqual(1);
  });

  it('cancels pending deliveries in the suspension; one in flight completes without being marked delivered; reinstating replays nothing', async () => {
    const inFlight = await withPendingDelivery();
    const subscription = inFlight.subscription;
    const waiting = feedMatch(subscription);
    await feeds.append([waiting]);
    const [claim] = (await claimSettled()).filter((claimed) => claimed.subscriptionId === subscription.id);
    expect(claim.eventId).toBe(inFlight.eventId);

    const change = await directory.suspend(inFlight.organization.id, 'investigation', (detail) => ({
      ...audit(inFlight.organization, 'organization.suspended'),
      detail,
    }));
    expect(change).toMatchObject({
      changed: true,
      cancelledDeliveries: 2,
      organization: { status: 'suspended', suspensionReason: 'investigation' },
    });
    // The POST that was on the wire answers 204: its attempt is kept, the delivery stays cancelled.
    expect(await outcomes.markAllDelivered([{ delivery: claim, attempt: delivered }])).toEqual([false]);
    for (const eventId of [inFlight.eventId, waiting.eventId])
      expect(await deliveryRow(eventId)).toEqual({
        status: 'cancelled',
        cancel_reason: 'organization-suspended',
        lease_until: null,
      });
    const attempts = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM delivery_attempts WHERE delivery_id = $1',
      [claim.id],
    );
    expect(attempts).toEqual([{ n: 1 }]);
    const deliveredAudit = await db.dataSource.query<{ n: number }[]>(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'delivery.delivered' AND resource_id = $1",
      [claim.id],
    );
    expect(deliveredAudit).toEqual([{ n: 0 }]);

    // Suspending again changes and audits nothing.
    const again = await directory.suspend(inFlight.organization.id, 'another reason', (detail) => ({
      ...audit(inFlight.organization, 'organization.suspended'),
      detail,
    }));
    expect(again).toMatchObject({ changed: false, organization: { suspensionReason: 'investigation' } });

    const reinstated = await directory.reinstate(
      inFlight.organization.id,
      audit(inFlight.organization, 'organization.reinstated'),
    );
    expect(reinstated).toMatchObject({
      changed: true,
      organization: { status: 'active', suspendedAt: null },
    });
    expect((await claimSettled()).filter((claimed) => claimed.subscriptionId === subscription.id)).toEqual(
      [],
    );
    const trail = await db.dataSource.query<{ action: string }[]>(
      "SELECT action FROM audit_events WHERE resource_id = $1 AND action LIKE 'organization.%' ORDER BY id",
      [inFlight.organization.code],
    );
    expect(trail.map((row) => row.action)).toEqual(['organization.suspended', 'organization.reinstated']);
  });

  it('answers null for an unknown organization', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      await directory.suspend(unknown, 'x', () =>
        audit({ id: unknown, code: 'x' }, 'organization.suspended'),
      ),
    ).toBeNull();
    expect(
      await directory.reinstate(unknown, audit({ id: unknown, code: 'x' }, 'organization.reinstated')),
    ).toBeNull();
  });
});
