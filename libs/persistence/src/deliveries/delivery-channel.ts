/**
 * PostgreSQL LISTEN/NOTIFY channel on which the router wakes the notifier after writing webhook
 * deliveries (`SELECT pg_notify('hub_deliveries', '')`, once per transaction, not per row).
 */
export const DELIVERY_CHANNEL = 'hub_deliveries';
