import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  HubEventType,
  HubFeedEvent,
  NoticeEventType,
  PublishedRecord,
  RecallEventType,
} from '@hub/contracts';
import { DELIVERY_CHANNEL, FEED_CHANNEL, FEED_NOTIFY_MAX_PAYLOAD } from '../notify-channels';
import { INDEX_PLAN_SETTINGS, indexPlanMode, queryPrepared, runPrepared } from '../statements';

/**
 * Advisory lock key ('hubroute' in ASCII) taken shared by every router batch, from reading the
 * subscriptions to appending its matches, and exclusively by a subscription's replay: a replay
 * never runs between a router's look at the subscriptions and its writes.
 */
export const ROUTING_LOCK_KEY = '7526752851161917797';

/**
 * Takes the transaction's feed stamp (migration StampFeedEntriesInOrder): its id and the time the
 * entries it writes are added, together, so date_added ascends in feed order. `appendMatches` takes
 * it before its statement; a transaction that writes something else first (a feedback entry, a
 * seizure notice, a row lock) takes it before that write.
 */
export async function takeFeedWriteStamp(manager: EntityManager): Promise<void> {
  await queryPrepared(manager, 'SELECT feed_write_stamp()', []);
}

export interface FeedMatch {
  subscriptionId: string;
  webhook: boolean;
  eventId: string;
  recordId: string;
  /** The record's version in the event: a subscription never gets an older one than it holds. */
  recordVersion: number;
  /**
   * A recall (`<type>.recalled`) also cancels the subscription's pending deliveries of earlier
   * versions of the record: the organization may no longer read them.
   */
  eventType: HubEventType | RecallEventType | NoticeEventType;
  event: HubFeedEvent;
}

/** The NOTIFY channels that the writing of these matches must wake. */
export function channelsFor(matches: readonly FeedMatch[]): string[] {
  return matches.some((match) => match.webhook) ? [FEED_CHANNEL, DELIVERY_CHANNEL] : [FEED_CHANNEL];
}

export interface FeedPosition {
  txId: string;
  id: string;
}

export interface FeedEntry {
  position: FeedPosition;
  eventId: string;
  event: HubFeedEvent;
  /**
   * The record's current version, whatever version the entry carries: a reader who may not read
   * it any more (a revision narrowed its audience) is not served the entry's old content.
   */
  current: PublishedRecord;
  createdAt: Date;
  /** `createdAt` to the microsecond (RFC 3339, UTC): what TAXII's `added_after` compares with. */
  addedAt: string;
}

interface RawFeedEntry {
  id: string;
  tx_id: string;
  event_id: string;
  event: HubFeedEvent;
  current: PublishedRecord;
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
    // In a transaction: the stamp is taken in the one that writes the entries.
    return this.dataSource.transaction((manager) => appendMatches(manager, matches, notifyChannels));
  }

  /**
   * One routing step: `route` reads the subscriptions and matches a batch of events, then its
   * matches are appended, all under the routing lock held shared. A replay (which holds it
   * exclusively, see SubscriptionStore.create) therefore either saw this step's entries, or
   * committed its subscription before `route` looked, so the step matched it live. `route` reads
   * through the transaction's manager: steps running side by side then hold one connection each.
   * `beforeCommit` may write more in the same transaction, once the matches are appended.
   */
  async appendRouted(
    route: (manager: EntityManager) => Promise<FeedMatch[]>,
    beforeCommit: (manager: EntityManager) => Promise<void> = () => Promise.resolve(),
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Its reads are index walks planned once per connection (the subscriptions changed since a
      // watermark, above all: planned for each batch otherwise), in the lock's round trip.
      await runPrepared(manager, `SELECT pg_advisory_xact_lock_shared($2::bigint), ${INDEX_PLAN_SETTINGS}`, [
        indexPlanMode(true),
        ROUTING_LOCK_KEY,
      ]);
      const matches = await route(manager);
      const appended = await appendMatches(manager, matches, channelsFor(matches));
      await beforeCommit(manager);
      return appended;
    });
  }

  /**
   * Subscriptions that hold some version of a record: updates and withdrawals follow it there, and
   * a revision they may not read recalls it from them. One whose latest entry of the record is a
   * recall holds it no more.
   */
  async priorRecipients(
    recordIds: readonly string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, string[]>> {
    const byRecord = new Map<string, string[]>();
    if (recordIds.length === 0) return byRecord;
    const rows = await queryPrepared<{ record_id: string; subscription_id: string }>(
      manager,
      `SELECT record_id, subscription_id FROM (
         SELECT DISTINCT ON (record_id, subscription_id) record_id, subscription_id, event_type
           FROM feed_entries WHERE record_id = ANY($1::uuid[])
          ORDER BY record_id, subscription_id, record_version DESC, id DESC
       ) latest
       WHERE event_type NOT LIKE '%.recalled'`,
      [recordIds],
    );
    for (const row of rows)
      byRecord.set(row.record_id, [...(byRecord.get(row.record_id) ?? []), row.subscription_id]);
    return byRecord;
  }

  /** Versions of records from their history, e.g. the one before a revision (those missing are left out). */
  async recordVersions(
    keys: readonly { recordId: string; version: number }[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PublishedRecord[]> {
    if (keys.length === 0) return [];
    const rows = await manager.query<{ record: PublishedRecord }[]>(
      `SELECT v.record FROM intelligence_record_versions v
         JOIN unnest($1::uuid[], $2::int[]) AS k (record_id, version)
           ON v.record_id = k.record_id AND v.version = k.version`,
      [keys.map((key) => key.recordId), keys.map((key) => key.version)],
    );
    return rows.map((row) => row.record);
  }

  /** When the feed entry at a position of one of the organization's feeds was written; null if none is. */
  async entryWrittenAt(organizationId: string, position: FeedPosition): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ created_at: Date }[]>(
      `SELECT f.created_at FROM feed_entries f JOIN subscriptions s ON s.id = f.subscription_id
        WHERE f.id = $2::bigint AND f.tx_id = $1::xid8 AND s.organization_id = $3`,
      [position.txId, position.id, organizationId],
    );
    return row?.created_at ?? null;
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
    return (await this.readPage(subscriptionId, after, limit, addedAfter)).entries;
  }

  /**
   * `read`, telling besides whether committed entries past the position were held back because
   * their transactions are not yet older than every running one: they become readable within
   * moments, when those transactions end, and their wake-up was already sent, so a long poll
   * should look again soon rather than wait for the next one.
   */
  async readPage(
    subscriptionId: string,
    after: FeedPosition | null,
    limit: number,
    addedAfter: string | null = null,
  ): Promise<{ entries: FeedEntry[]; heldBack: boolean }> {
    // Prepared, one text per shape: an optional filter written `$n IS NULL OR …` would leave the
    // generic plan a walk of the whole feed (statements.ts); without one it is the feed index's.
    const parameters: unknown[] = [subscriptionId, limit];
    const next = (value: unknown): string => `$${parameters.push(value)}`;
    const cursor = after
      ? `AND (f.tx_id, f.id) > (${next(after.txId)}::xid8, ${next(after.id)}::bigint)`
      : '';
    const added = addedAfter !== null ? `AND f.created_at > ${next(addedAfter)}::timestamptz` : '';
    const rows = await queryPrepared<RawFeedEntry & { held_back: boolean }>(
      this.dataSource,
      feedPageStatement(cursor, added),
      parameters,
    );
    const entries = rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        position: { txId: row.tx_id, id: row.id },
        eventId: row.event_id,
        event: row.event,
        current: row.current,
        createdAt: row.created_at,
        addedAt: row.added_at,
      }));
    return { entries, heldBack: rows[0]?.held_back === true };
  }
}

/**
 * A feed page's statement, with the cursor and TAXII conditions of its shape (empty when absent).
 * Ordered by the xid8 column: a bare `tx_id` would sort the text alias ('10' < '9'). `added`
 * (TAXII) only narrows the same ordered read. One row even when the page is empty, to carry
 * held_back.
 */
function feedPageStatement(cursor: string, added: string): string {
  return `WITH snapshot AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
       page AS (
         SELECT f.id, f.tx_id, f.event_id, f.event, f.record_id, f.created_at
           FROM feed_entries f
          WHERE f.subscription_id = $1
            AND f.tx_id < (SELECT xmin FROM snapshot)
            ${cursor}
            ${added}
          ORDER BY f.tx_id, f.id
          LIMIT $2
       )
       SELECT page.id, page.tx_id::text AS tx_id, page.event_id, page.event, v.record AS current, page.created_at,
              to_char(page.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS added_at,
              EXISTS (
                SELECT 1 FROM feed_entries f
                 WHERE f.subscription_id = $1 AND f.tx_id >= (SELECT xmin FROM snapshot)
              ) AS held_back
         FROM (SELECT 1) one LEFT JOIN page ON true
         LEFT JOIN intelligence_records r ON r.id = page.record_id
         LEFT JOIN intelligence_record_versions v ON v.record_id = r.id AND v.version = r.version
        ORDER BY page.tx_id, page.id`;
}

/**
 * One statement (one round trip, atomic): the new entries, a pending delivery beside each new entry
 * of a webhook subscription, and the wake-ups, sent only when something was new (the feed's names the
 * subscriptions that got entries, see FEED_CHANNEL). An entry is
 * skipped when the subscription already holds a later version of the record (a replay copied it
 * while the router was behind): versions reach a subscription in order. A recall cancels the
 * subscription's pending deliveries of earlier versions of its record ('recalled'), and an earlier
 * version matched in the same batch gets no delivery at all.
 */
export async function appendMatches(
  manager: EntityManager,
  matches: readonly FeedMatch[],
  notifyChannels: readonly string[],
): Promise<number> {
  if (matches.length === 0) return 0;
  // First, on its own: within the statement below, the tx_id column's default or a recall's
  // cancellation could take the transaction id before created_at's default takes the stamp.
  await takeFeedWriteStamp(manager);
  const [{ appended }] = await queryPrepared<{ appended: number }>(
    manager,
    `WITH matched AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::varchar[], $5::jsonb[], $6::boolean[], $8::int[])
         AS m (subscription_id, event_id, record_id, event_type, event, webhook, record_version)
     ), entries AS (
       INSERT INTO feed_entries (subscription_id, event_id, record_id, event_type, event, record_version)
       SELECT subscription_id, event_id, record_id, event_type, event, record_version FROM matched m
        WHERE NOT EXISTS (
          SELECT 1 FROM feed_entries f
           WHERE f.record_id = m.record_id AND f.subscription_id = m.subscription_id
             AND f.record_version > m.record_version)
       ON CONFLICT ON CONSTRAINT feed_entries_once DO NOTHING
       RETURNING id, subscription_id, event_id
     ), deliveries AS (
       INSERT INTO webhook_deliveries (subscription_id, feed_entry_id, event_id)
       SELECT e.subscription_id, e.id, e.event_id
         FROM entries e JOIN matched m ON m.subscription_id = e.subscription_id AND m.event_id = e.event_id
        WHERE m.webhook
          AND NOT EXISTS (
            SELECT 1 FROM matched r
             WHERE r.event_type LIKE '%.recalled' AND r.subscription_id = m.subscription_id
               AND r.record_id = m.record_id AND r.record_version > m.record_version)
       ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING
     ), cancelled AS (
       UPDATE webhook_deliveries w
          SET status = 'cancelled', cancel_reason = 'recalled', lease_until = NULL, completed_at = now()
         FROM matched r, feed_entries f
        WHERE r.event_type LIKE '%.recalled'
          AND f.subscription_id = r.subscription_id AND f.record_id = r.record_id
          AND f.record_version < r.record_version
          AND w.feed_entry_id = f.id AND w.status = 'pending'
     ), counted AS (
       SELECT count(*)::int AS appended, string_agg(DISTINCT subscription_id::text, ',') AS touched FROM entries
     )
     SELECT appended,
            CASE WHEN appended > 0 THEN (
              SELECT count(pg_notify(channel,
                       CASE WHEN channel = $9 AND length(touched) <= $10 THEN touched ELSE '' END))
                FROM unnest($7::text[]) AS channel) END AS woke
       FROM counted`,
    [
      matches.map((match) => match.subscriptionId),
      matches.map((match) => match.eventId),
      matches.map((match) => match.recordId),
      matches.map((match) => match.eventType),
      matches.map((match) => JSON.stringify(match.event)),
      matches.map((match) => match.webhook),
      [...notifyChannels],
      matches.map((match) => match.recordVersion),
      FEED_CHANNEL,
      FEED_NOTIFY_MAX_PAYLOAD,
    ],
  );
  return appended;
}
