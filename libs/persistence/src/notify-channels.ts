// The PostgreSQL LISTEN/NOTIFY channels of the hub, all here. A NOTIFY only says "look now" (the
// feed channel also says for whom): each listener reads the tables itself, so a lost wake-up
// delays work but loses none. NotificationListener keeps the LISTEN connection.

/**
 * Record writes wake the relay. NOTIFY: the gateway's RecordLedger through OutboxWakeup, after
 * each commit (not inside the write's transaction), with the outbox shards written,
 * comma-separated (an empty payload: any shard). LISTEN: the relay (OutboxRelay), which then
 * drains only the shards named.
 */
export const OUTBOX_CHANNEL = 'hub_outbox';

/** The payload of an outbox NOTIFY naming `shards`; null (no shard in particular) names every one. */
export function outboxWakeupPayload(shards: Iterable<number> | null): string {
  return shards === null ? '' : [...shards].sort((a, b) => a - b).join(',');
}

/** The outbox shards a NOTIFY names; null when it names none in particular (look at every shard). */
export function shardsWritten(payload: string | undefined): number[] | null {
  if (!payload) return null;
  const shards = payload.split(',').map(Number);
  // Anything but shard numbers (another writer's payload) is read as "any shard": never miss one.
  return shards.every((shard) => Number.isInteger(shard) && shard >= 0) ? shards : null;
}

/**
 * New feed entries wake pull-feed long polls. NOTIFY: appendMatches, in the statement that writes
 * them (the router's batches, a new subscription's replay), with the ids of the subscriptions that
 * got entries, comma-separated (an empty payload, when they would not fit, wakes every waiter).
 * LISTEN: the gateway (FeedWaiter), waking only the long polls of those subscriptions.
 */
export const FEED_CHANNEL = 'hub_feed';

/**
 * The longest list of subscription ids a feed NOTIFY carries: PostgreSQL refuses payloads of
 * 8000 bytes or more (about 210 ids fit here); a longer list is sent as "everyone".
 */
export const FEED_NOTIFY_MAX_PAYLOAD = 7800;

/** The subscriptions a feed NOTIFY names; null when it names none (wake every waiter). */
export function touchedSubscriptions(payload: string | undefined): string[] | null {
  if (!payload) return null;
  return payload.split(',');
}

/**
 * New webhook deliveries wake the notifier. NOTIFY: appendMatches, when the entries it wrote include
 * a webhook subscription's (once per statement, not per row). LISTEN: the notifier (WebhookDispatcher).
 */
export const DELIVERY_CHANNEL = 'hub_deliveries';

/**
 * An organization was suspended or reinstated (or one of its keys revoked): every gateway forgets
 * the API keys it remembers. NOTIFY: OrganizationDirectory, inside the change's transaction (so at
 * its commit). LISTEN: the gateway (OrganizationChangeListener).
 */
export const ORGANIZATION_CHANNEL = 'hub_organizations';
