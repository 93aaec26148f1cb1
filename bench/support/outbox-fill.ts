import { DEFAULT_OUTBOX_SHARDS, OUTBOX_CHANNEL, outboxShardOf } from '@hub/persistence';
import {
  canonicalTopicFor,
  encodeKafkaMessage,
  type HubCloudEvent,
  type KafkaMessage,
  type PublishedRecord,
} from '@hub/contracts';
import { withClient } from './bench-environment';
import { alertPublishedEvent } from './records';

/** A batch of real CloudEvents, as the gateway would have written them, and the messages the relay makes of them. */
export interface EventBatch {
  events: HubCloudEvent<PublishedRecord>[];
  messages: KafkaMessage[];
}

export function eventBatch(runTag: string, count: number): EventBatch {
  const events = Array.from({ length: count }, (_, seq) => alertPublishedEvent(runTag, seq));
  return { events, messages: events.map((event) => encodeKafkaMessage(event)) };
}

/**
 * Writes the events to the outbox in one transaction and wakes the relay as the gateway does;
 * answers the wall-clock time (ms since the epoch) at which the commit was sent.
 */
export async function commitToOutbox(
  databaseUrl: string,
  events: readonly HubCloudEvent<PublishedRecord>[],
): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    await client.query('BEGIN');
    const chunk = 2000;
    for (let start = 0; start < events.length; start += chunk) {
      const slice = events.slice(start, start + chunk);
      await client.query(
        `INSERT INTO outbox_events (topic, message_key, shard, event_id, event_type, event)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $6::smallint[], $3::uuid[], $4::varchar[], $5::jsonb[])`,
        [
          slice.map((event) => canonicalTopicFor(event.data.type)),
          slice.map((event) => event.subject),
          slice.map((event) => event.id),
          slice.map((event) => event.type),
          slice.map((event) => JSON.stringify(event)),
          // As the gateway's ledger writes them, with the relays' default shard count.
          slice.map((event) => outboxShardOf(event.subject, DEFAULT_OUTBOX_SHARDS)),
        ],
      );
    }
    await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
    const committedAt = Date.now();
    await client.query('COMMIT');
    return committedAt;
  });
}

/** Waits until no outbox row is left unpublished; answers when the last one was marked (ms since the epoch). */
export async function outboxDrained(databaseUrl: string, timeoutMs: number): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ pending: number; last: Date | null }>(
        `SELECT (SELECT count(*)::int FROM outbox_events WHERE published_at IS NULL) AS pending,
                (SELECT max(published_at) FROM outbox_events) AS last`,
      );
      if (rows[0].pending === 0 && rows[0].last) return rows[0].last.getTime();
      if (Date.now() > deadline)
        throw new Error(`outbox not drained after ${timeoutMs} ms (${rows[0].pending} pending)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}
