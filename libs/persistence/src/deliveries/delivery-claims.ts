import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type HubFeedEvent, isRegionCode, type OrganizationKind, type PublishedRecord } from '@hub/contracts';
import {
  type ClaimedDelivery,
  type DeliveryBacklog,
  type DeliveryClaim,
  type DeliveryLease,
} from './delivery-rows';
import { runPrepared, runStatement, useIndexPlans } from '../statements';
import { operationCodesOf } from '../operations/operation-memberships.sql';

interface RawClaim {
  id: string;
  subscription_id: string;
  feed_entry_id: string;
  event_id: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  lease_until: Date;
  webhook_url: string;
  secret_ciphertext: string;
  event: HubFeedEvent;
  current: PublishedRecord | null;
  organization_code: string;
  organization_kind: OrganizationKind;
  organization_country: string | null;
  organization_region: string | null;
  organization_operations: string[] | null;
}

/** DeliveryClaims.claim's statement: $1 subscriptions at most, $2 the lease in ms, $3 the chain depth. */
const CLAIM = `WITH heads AS MATERIALIZED (
   SELECT head.id, s.id AS subscription_id, head.feed_entry_id, head.next_attempt_at,
          f.tx_id < pg_snapshot_xmin(pg_current_snapshot()) AS settled,
          head.lease_until IS NOT NULL AND head.lease_until > now() AS leased
     FROM subscriptions s
     CROSS JOIN LATERAL (
       SELECT w.id, w.feed_entry_id, w.next_attempt_at, w.lease_until
         FROM webhook_deliveries w
        WHERE w.subscription_id = s.id AND w.status = 'pending'
        ORDER BY w.feed_entry_id
        LIMIT 1
     ) head
     JOIN feed_entries f ON f.id = head.feed_entry_id
     -- A suspended organization is sent nothing (its pending deliveries were cancelled too).
     JOIN organizations o ON o.id = s.organization_id AND o.status = 'active'
    WHERE s.status = 'active'
      AND s.delivery_type = 'webhook'
      AND head.next_attempt_at <= now()
 ), chosen AS MATERIALIZED (
   SELECT subscription_id, feed_entry_id FROM heads
    WHERE settled AND NOT leased
    ORDER BY next_attempt_at
    LIMIT $1
 ), chains AS (
   -- Each chosen head and the subscription's next pending deliveries, up to the first that is
   -- not yet due, leased or settled (its rank among them, 1 for the head).
   SELECT c.subscription_id, next.id, next.feed_entry_id, next.rank
     FROM chosen c
     CROSS JOIN LATERAL (
       SELECT ranked.id, ranked.feed_entry_id, ranked.rank
         FROM (SELECT w.id, w.feed_entry_id, row_number() OVER (ORDER BY w.feed_entry_id) AS rank,
                      bool_and(w.next_attempt_at <= now()
                               AND (w.lease_until IS NULL OR w.lease_until <= now())
                               AND f.tx_id < pg_snapshot_xmin(pg_current_snapshot()))
                        OVER (ORDER BY w.feed_entry_id) AS ready
                 FROM (SELECT * FROM webhook_deliveries w
                        WHERE w.subscription_id = c.subscription_id AND w.status = 'pending'
                          AND w.feed_entry_id >= c.feed_entry_id
                        ORDER BY w.feed_entry_id
                        LIMIT $3) w
                 JOIN feed_entries f ON f.id = w.feed_entry_id) ranked
        WHERE ranked.ready
     ) next
 ), locked AS (
   -- Each chain's row by the pending index's key, locked in a lateral step: joined to chains by
   -- id, a generic plan made on an empty queue walked every pending delivery for each (P11: 288 a
   -- second).
   SELECT l.id, chains.subscription_id, chains.rank
     FROM chains
     CROSS JOIN LATERAL (
       SELECT w.id FROM webhook_deliveries w
        WHERE w.subscription_id = chains.subscription_id AND w.feed_entry_id = chains.feed_entry_id
          AND w.id = chains.id AND w.status = 'pending' AND (w.lease_until IS NULL OR w.lease_until <= now())
          FOR UPDATE OF w SKIP LOCKED
     ) l
 ), claimable AS (
   -- A chain's unbroken start only: its head and each next one up to the first that was taken meanwhile.
   SELECT id FROM (
     SELECT id, rank, row_number() OVER (PARTITION BY subscription_id ORDER BY rank) AS got FROM locked
   ) l
    WHERE l.rank = l.got
 ), claimed AS (
   UPDATE webhook_deliveries w
      SET lease_until = date_trunc('milliseconds', now() + make_interval(secs => $2::float8 / 1000))
      FROM claimable, subscriptions s, feed_entries f, organizations o
    WHERE w.id = claimable.id AND s.id = w.subscription_id AND f.id = w.feed_entry_id
      AND o.id = s.organization_id
   RETURNING w.id, w.subscription_id, w.feed_entry_id::text AS feed_entry_id, w.event_id, w.attempts,
             w.last_status_code, w.last_error, w.lease_until, s.webhook_url, s.secret_ciphertext, f.event,
             -- The record as it is now: a revision since the match may have taken it from the subscriber.
             (SELECT v.record FROM intelligence_records r
                JOIN intelligence_record_versions v ON v.record_id = r.id AND v.version = r.version
               WHERE r.id = f.record_id) AS current,
             o.code AS organization_code, o.kind AS organization_kind,
             o.country AS organization_country, o.region AS organization_region,
             -- Read at claim time: a participant removed since the match is sent nothing of the operation.
             ${operationCodesOf('o.id')} AS organization_operations
 )
 -- One row even when nothing was claimed, to carry held_back and behind_lease.
 SELECT held.held_back, held.behind_lease, claimed.*
   FROM (SELECT COALESCE(bool_or(NOT settled AND NOT leased), false) AS held_back,
                -- The first one found answers: no probe for every leased head.
                -- Lateral, limited: a semi-join could be planned as a walk of every pending delivery.
                EXISTS (
                  SELECT 1 FROM heads h
                   CROSS JOIN LATERAL (
                     SELECT 1 FROM webhook_deliveries b
                      WHERE b.subscription_id = h.subscription_id AND b.status = 'pending'
                        AND b.feed_entry_id > h.feed_entry_id
                        AND (b.lease_until IS NULL OR b.lease_until <= now())
                      LIMIT 1
                   ) behind
                   WHERE h.leased
                ) AS behind_lease
           FROM heads) held
   LEFT JOIN claimed ON true`;

/**
 * The notifier's queue of webhook deliveries. Order is kept per subscription: only a subscription's
 * oldest pending delivery is ever claimed, and it stays pending (leased) while in flight, so the
 * next one waits until it is delivered or failed.
 */
@Injectable()
export class DeliveryClaims {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Leases due deliveries of up to `limit` subscriptions: for each active webhook subscription of an
   * active organization its oldest pending delivery (by feed entry), when its attempt is due and no
   * other notifier holds it, and after it up to `depth - 1` of the subscription's next pending
   * deliveries, as long as each is due, free and settled (its chain, sent in order by the caller).
   * Safe between notifier instances: the rows are locked with SKIP LOCKED and re-checked, and only a
   * chain's unbroken start is taken, so a delivery is leased once and a subscription whose head is
   * taken is skipped rather than served out of order. Feed entries written by transactions still
   * running anywhere are not yet claimed, as for the outbox, so an entry committed late is never
   * overtaken by a newer one of the same subscription.
   */
  async claimDue(limit: number, leaseMs: number, depth = 1): Promise<ClaimedDelivery[]> {
    return (await this.claim(limit, leaseMs, depth)).claimed;
  }

  /**
   * `claimDue`, telling besides whether some subscription's due head was held back because its feed
   * entry's transaction is not yet older than every running one: it will be claimable within
   * moments, when those transactions end, so the caller should look again soon rather than wait
   * for a wake-up that was already sent. And whether some subscription has a pending delivery not
   * leased behind its leased head (`behindLease`): it becomes claimable once that head is done
   * with, so whoever finishes the head should claim again; when none has, finishing needs no claim.
   * Answers the deliveries by subscription, each one's in order.
   */
  async claim(limit: number, leaseMs: number, depth = 1): Promise<DeliveryClaim> {
    // Planned once per connection, as index walks (useIndexPlans): its planning was most of its cost.
    const { rows } = await this.dataSource.transaction(async (manager) => {
      await useIndexPlans(manager, true);
      return runPrepared<RawClaim & { held_back: boolean; behind_lease: boolean }>(manager, CLAIM, [
        limit,
        leaseMs,
        depth,
      ]);
    });
    const claimed = rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        id: row.id,
        subscriptionId: row.subscription_id,
        feedEntryId: row.feed_entry_id,
        eventId: row.event_id,
        attempts: row.attempts,
        lastStatusCode: row.last_status_code,
        lastError: row.last_error,
        leaseUntil: row.lease_until,
        webhookUrl: row.webhook_url,
        secretCiphertext: row.secret_ciphertext,
        event: row.event,
        current: row.current,
        subscriber: {
          code: row.organization_code,
          kind: row.organization_kind,
          ...(row.organization_country ? { country: row.organization_country } : {}),
          ...(isRegionCode(row.organization_region) ? { region: row.organization_region } : {}),
          operations: row.organization_operations ?? [],
        },
      }))
      .sort((a, b) => Number(BigInt(a.feedEntryId) - BigInt(b.feedEntryId)));
    return { claimed, heldBack: rows[0]?.held_back ?? false, behindLease: rows[0]?.behind_lease ?? false };
  }

  /**
   * Gives back leases taken but not used (a notifier stopping with claimed deliveries not yet
   * sent), so they are due again at once instead of when the lease runs out.
   */
  async release(leases: readonly DeliveryLease[]): Promise<void> {
    if (leases.length === 0) return;
    await runPrepared(
      this.dataSource,
      `UPDATE webhook_deliveries w SET lease_until = NULL
         FROM unnest($1::uuid[], $2::timestamptz[]) AS l (id, lease_until)
        WHERE w.id = l.id AND w.status = 'pending' AND w.lease_until = l.lease_until`,
      [leases.map((lease) => lease.id), leases.map((lease) => lease.leaseUntil)],
    );
  }

  /** The queue at a glance, for the notifier's health and metrics. */
  async backlog(): Promise<DeliveryBacklog> {
    const { rows } = await runStatement<{ pending: number; due: number; oldest: number; held: number }>(
      this.dataSource,
      `SELECT count(*) FILTER (WHERE s.status = 'active')::int AS pending,
              count(*) FILTER (WHERE s.status = 'active' AND w.next_attempt_at <= now())::int AS due,
              COALESCE(EXTRACT(EPOCH FROM now() - min(w.next_attempt_at)
                FILTER (WHERE s.status = 'active' AND w.next_attempt_at <= now())), 0)::float AS oldest,
              count(*) FILTER (WHERE s.status = 'paused')::int AS held
         FROM webhook_deliveries w
         JOIN subscriptions s ON s.id = w.subscription_id
        WHERE w.status = 'pending'`,
    );
    const [row] = rows;
    return { pending: row.pending, due: row.due, oldestDueSeconds: row.oldest, held: row.held };
  }
}
