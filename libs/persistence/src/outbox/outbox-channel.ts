/** PostgreSQL LISTEN/NOTIFY channel on which writers wake the relay. */
export const OUTBOX_CHANNEL = 'hub_outbox';

/** Injection token: whether record writes NOTIFY the relay at commit (true unless configured off). */
export const OUTBOX_NOTIFY = Symbol('OUTBOX_NOTIFY');
