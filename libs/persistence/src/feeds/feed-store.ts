import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** PostgreSQL NOTIFY channels: the router wakes pull-feed long polls and the notifier after each batch. */
export const FEED_CHANNEL = 'hub_feed';

export interface FeedMatch {
  subscriptionId: string;
  webhook: boolean;
  eventId: string;
  recordId: string;
  eventType: string;
  event: Record<string, unknown>;
}

export interface FeedPosition {
  txId: string;
  id: string;
}

export interface FeedEntry {
  position: FeedPosition;
  eventId: string;
  event: Record<string, unknown>;
  createdAt: Date;
  /** `createdAt` to the microsecond (RFC 3339, UTC): what TAXII's `added_after` compares with. */
  addedAt: string;
}

interface RawFeedEntry {
  id: string;
  tx_id: string;
  event_id: string;
  event: Record<string, unknown>;
  created_at: Date;
  added_at: string;
}

/**
 * The matches of the router: one feed entry per (subscription, event), and for
 * webhook subscriptions a pending delivery beside it. Inserting twice is a
 * no-op, so a router that re-reads events after a crash or rebalance never
 * delivers an event twice to one subscription.
 */
@Injectable()
export class FeedStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends a batch of matches in one transaction; returns how many were new. */
  async append(
    matches: readonly FeedMatch[],
    notifyChannels: readonly string[] = [FEED_CHANNEL],
  ): Promise<number> {
    if (matches.length === 0) return 0;
    // One statement (one round trip, atomic): the new entries, a pending delivery beside each new
    // entry of a webhook subscription, and the wake-ups, sent only when something was new.
    const [{ appended }] = await this.dataSource.query<{ appended: number }[]>(
      `WITH matched AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::varchar[], $5::jsonb[], $6::boolean[])
           AS m (subscription_id, event_id, record_id, event_type, event, webhook)
       ), entries AS (
         INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event)
         SELECT subscription_id, event_id, record_id, event_type, event FROM matched
         ON CONFLICT ON CONSTRAINT feed_entries_once DO NOTHING
         RETURNING id, subscription_id, event_id
       ), deliveries AS (
         INSERT INTO webhook_deliveries (subscription_id, feed_entry_id, event_id)
         SELECT e.subscription_id, e.id, e.event_id
           FROM entries e JOIN matched m ON m.subscription_id = e.subscription_id AND m.event_id = e.event_id
          WHERE m.webhook
         ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING
       ), counted AS (SELECT count(*)::int AS appended FROM entries)
       SELECT appended, CASE WHEN appended > 0 THEN (SELECT count(pg_notify(channel, '')) FROM unnest($7::text[]) AS channel) END AS woke
         FROM counted`,
      [
        matches.map((match) => match.subscriptionId),
        matches.map((match) => match.eventId),
        matches.map((match) => match.recordId),
        matches.map((match) => match.eventType),
        matches.map((match) => JSON.stringify(match.event)),
        matches.map((match) => match.webhook),
        [...notifyChannels],
      ],
    );
    return appended;
  }

  /** Subscriptions that already received some version of a record: updates and withdrawals follow it there. */
  async priorRecipients(recordIds: readonly string[]): Promise<Map<string, string[]>> {
    const byRecord = new Map<string, string[]>();
    if (recordIds.length === 0) return byRecord;
    const rows = await this.dataSource.query<{ record_id: string; subscription_id: string }[]>(
      'SELECT DISTINCT record_id, subscription_id FROM feed_entries WHERE record_id = ANY($1::uuid[])',
      [recordIds],
    );
    for (const row of rows)
      byRecord.set(row.record_id, [...(byRecord.get(row.record_id) ?? []), row.subscription_id]);
    return byRecord;
  }

  /**
   * A page of a subscription's feed after a position, oldest first. Only entries of transactions
   * older than every running one are served, so a page never skips an entry that commits later.
   */
  async read(
    subscriptionId: string,
    after: FeedPosition | null,
    limit: number,
    addedAfter: string | null = null,
  ): Promise<FeedEntry[]> {
    const rows = await this.dataSource.query<RawFeedEntry[]>(
      // Ordered by the xid8 column: a bare `tx_id` here would sort the text alias ('10' < '9').
      // `addedAfter` (TAXII) only narrows the same ordered read.
      `SELECT f.id, f.tx_id::text AS tx_id, f.event_id, f.event, f.created_at,
              to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS added_at
         FROM feed_entries f
        WHERE f.subscription_id = $1
          AND f.tx_id < pg_snapshot_xmin(pg_current_snapshot())
          AND ($2::xid8 IS NULL OR (f.tx_id, f.id) > ($2::xid8, $3::bigint))
          AND ($5::timestamptz IS NULL OR f.created_at > $5::timestamptz)
        ORDER BY f.tx_id, f.id
        LIMIT $4`,
      [subscriptionId, after?.txId ?? null, after?.id ?? null, limit, addedAfter],
    );
    return rows.map((row) => ({
      position: { txId: row.tx_id, id: row.id },
      eventId: row.event_id,
      event: row.event,
      createdAt: row.created_at,
      addedAt: row.added_at,
    }));
  }
}
