// The PostgreSQL LISTEN/NOTIFY channels of the hub, all here. A NOTIFY carries no payload and only
// says "look now": each listener reads the tables itself and also polls, so a lost wake-up delays
// work but loses none. NotificationListener keeps the LISTEN connection.

/**
 * Record writes wake the relay. NOTIFY: the gateway's RecordLedger through OutboxWakeup, after
 * each commit (not inside the write's transaction). LISTEN: the relay (OutboxRelay).
 */
export const OUTBOX_CHANNEL = 'hub_outbox';

/**
 * New feed entries wake pull-feed long polls. NOTIFY: appendMatches, in the statement that writes
 * them (the router's batches, a new subscription's replay). LISTEN: the gateway (FeedWaiter).
 */
export const FEED_CHANNEL = 'hub_feed';

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
