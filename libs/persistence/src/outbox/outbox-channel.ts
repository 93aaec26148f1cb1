/** PostgreSQL LISTEN/NOTIFY channel on which writers wake the relay. */
export const OUTBOX_CHANNEL = 'hub_outbox';
