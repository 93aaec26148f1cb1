import {
  channelsFor,
  type ClaimedDelivery,
  DeliveryClaims,
  DeliveryOutcomes,
  FeedStore,
} from '@hub/persistence';
import { DeliveryQueue } from '../../apps/notifier/src/delivery/delivery-queue';
import {
  eventually,
  feedMatch,
  openStoreDatabase,
  seedOrganization,
  seedSubscription,
  type SeededSubscription,
  type StoreDatabase,
} from './store-database';

/**
 * The notifier's queue against PostgreSQL: the router's NOTIFY wakes it, and a finished delivery
 * claims again only when that can find something. The poll is set beyond the tests' patience, so
 * a delivery left for it is a failure.
 */
describe('DeliveryQueue against PostgreSQL', () => {
  const POLL_MS = 120_000;
  let db: StoreDatabase;
  let claims: DeliveryClaims;
  let outcomes: DeliveryOutcomes;
  let feeds: FeedStore;
  let queue: DeliveryQueue | null = null;
  /** Deliveries handed to the job, in order, and what lets each finish. */
  let sent: { delivery: ClaimedDelivery; finish: () => void }[];

  beforeAll(async () => {
    db = await openStoreDatabase('delivery_queue');
    claims = new DeliveryClaims(db.dataSource);
    outcomes = new DeliveryOutcomes(db.dataSource);
    feeds = new FeedStore(db.dataSource);
  });
  afterAll(() => db.close());

  beforeEach(() => {
    sent = [];
  });
  afterEach(async () => {
    for (const { finish } of sent) finish();
    await queue?.stop();
    queue = null;
    await db.dataSource.query("UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'pending'");
  });

  /** A queue whose job waits for the test to finish each delivery, then marks it delivered. */
  async function startQueue(maxInFlight: number): Promise<DeliveryQueue> {
    queue = new DeliveryQueue(
      claims,
      (delivery, answered) =>
        new Promise<boolean>((resolve) => {
          let finished = false;
          sent.push({
            delivery,
            // Once: a second outcome would be written unawaited, after the pool may have closed.
            finish: () => {
              if (finished) return;
              finished = true;
              answered();
              resolve(
                outcomes.markDelivered(delivery, {
                  startedAt: new Date(),
                  latencyMs: 1,
                  statusCode: 204,
                  outcome: 'delivered',
                  error: null,
                }),
              );
            },
          });
        }),
      { databaseUrl: db.url, maxInFlight, pollIntervalMs: POLL_MS, attemptTimeoutMs: 5_000 },
    );
    await queue.start();
    return queue;
  }

  const webhookSubscription = async (): Promise<SeededSubscription> =>
    seedSubscription(db.dataSource, await seedOrganization(db.dataSource));

  /** Waits until `count` deliveries were handed to the job. */
  const handedOver = (count: number) =>
    eventually(
      () => Promise.resolve(sent.length),
      (length) => length >= count,
    ).then((length) => expect(length).toBe(count));

  it('sends a delivery written while its head is in flight once the head is done, woken by nothing else', async () => {
    const subscription = await webhookSubscription();
    await startQueue(4);
    const first = feedMatch(subscription);
    await feeds.append([first], channelsFor([first]));
    await handedOver(1);

    // Written while the first is in flight: its NOTIFY finds it behind a leased head.
    const second = feedMatch(subscription);
    await feeds.append([second], channelsFor([second]));
    // The claim woken by that NOTIFY (within milliseconds) sees the head leased and skips the
    // subscription; finishing the head must claim again. Were it not woken yet, it would simply
    // find the second claimable itself.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sent).toHaveLength(1);
    sent[0].finish();
    await handedOver(2);
    expect(sent.map(({ delivery }) => delivery.eventId)).toEqual([first.eventId, second.eventId]);
  });

  it('claims the subscriptions beyond a full claim as deliveries finish', async () => {
    // One slot claims four chains ahead (CLAIM_AHEAD): six subscriptions leave two beyond the first claim.
    const subscriptions = await Promise.all(Array.from({ length: 6 }, webhookSubscription));
    const matches = subscriptions.map((subscription) => feedMatch(subscription));
    await feeds.append(matches);
    await startQueue(1);
    for (let count = 1; count <= matches.length; count += 1) {
      await handedOver(count);
      sent[count - 1].finish();
    }
    expect(sent.map(({ delivery }) => delivery.eventId).sort()).toEqual(
      matches.map((match) => match.eventId).sort(),
    );
  });
});
