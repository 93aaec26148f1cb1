import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import type { HubCloudEvent, HubEventType, PublishedRecord } from '@hub/contracts';
import { appendAudit, AUDIT_COLUMNS, type AuditEntry } from '../audit/audit-trail';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export type DeliveryAttemptOutcome = 'delivered' | 'failed' | 'timeout' | 'refused';

/** A delivery leased to one notifier, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  feedEntryId: string;
  eventId: string;
  /** Attempts already made in this round (0 for a new or re-queued delivery). */
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Proof of the lease: outcomes are written only while it is still this claim's. */
  leaseUntil: Date;
  webhookUrl: string;
  /** The signing secret, sealed (`SecretBox` from @hub/webhooks); never log it opened. */
  secretCiphertext: string;
  /** The whole CloudEvent, `data` included. */
  event: HubCloudEvent<PublishedRecord>;
}

export interface DeliveryAttemptRecord {
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  outcome: DeliveryAttemptOutcome;
  error: string | null;
}

export interface DeliveryAttemptView extends DeliveryAttemptRecord {
  /** Numbered over the delivery's whole history (a re-queued delivery continues the count). */
  attempt: number;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: HubEventType;
  recordId: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending deliveries only). */
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
  attemptLog: DeliveryAttemptView[];
}

export interface DeliveryPage {
  deliveries: DeliveryView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface DeliveryBacklog {
  /** Pending deliveries of active webhook subscriptions. */
  pending: number;
  /** Of those, due now (an attempt is owed). */
  due: number;
  /** Age of the longest-overdue attempt. */
  oldestDueSeconds: number;
  /** Pending deliveries held by paused subscriptions. */
  held: number;
}

export type RequeueOutcome = 'requeued' | 'not-found' | 'in-flight' | 'already-delivered';

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
  event: HubCloudEvent<PublishedRecord>;
}

interface RawDelivery {
  id: string;
  subscription_id: string;
  feed_entry_id: string;
  event_id: string;
  event_type: HubEventType;
  record_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

interface RawAttempt {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  latency_ms: number;
  status_code: number | null;
  outcome: DeliveryAttemptOutcome;
  error: string | null;
}

type Lease = Pick<ClaimedDelivery, 'id' | 'subscriptionId' | 'leaseUntil'>;

// Bumps the revision and the change time the router reads subscription changes by (the migration's
// trigger stamps them too; setting them here keeps this store right without it).
const SUBSCRIPTION_CHANGED = "revision = nextval('subscription_revision_seq'), updated_at = now()";

const MAX_ERROR_LENGTH = 1000;

/**
 * Webhook deliveries for the notifier, and their history for the gateway. Order is kept per
 * subscription: only a subscription's oldest pending delivery is ever claimed, and it stays
 * pending (leased) while in flight, so the next one waits until it is delivered or failed.
 */
@Injectable()
export class DeliveryStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Leases up to `limit` due deliveries: for each active webhook subscription its oldest pending
   * delivery (by feed entry), when its attempt is due and no other notifier holds it. Safe between
   * notifier instances: the head rows are locked with SKIP LOCKED and re-checked, so a delivery is
   * leased once, and a subscription whose head is taken is skipped rather than served out of order.
   * Feed entries written by transactions still running anywhere are not yet claimed, as for the
   * outbox, so an entry committed late is never overtaken by a newer one of the same subscription.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return (await this.claim(limit, leaseMs)).claimed;
  }

  /**
   * `claimDue`, telling besides whether some subscription's due head was held back because its feed
   * entry's transaction is not yet older than every running one: it will be claimable within
   * moments, when those transactions end, so the caller should look again soon rather than wait
   * for a wake-up that was already sent.
   */
  async claim(limit: number, leaseMs: number): Promise<{ claimed: ClaimedDelivery[]; heldBack: boolean }> {
    const { rows } = await this.run<RawClaim & { held_back: boolean }>(
      null,
      `WITH heads AS MATERIALIZED (
         SELECT head.id, head.next_attempt_at,
                f.tx_id < pg_snapshot_xmin(pg_current_snapshot()) AS settled
           FROM subscriptions s
           CROSS JOIN LATERAL (
             SELECT w.id, w.feed_entry_id, w.next_attempt_at, w.lease_until
               FROM webhook_deliveries w
              WHERE w.subscription_id = s.id AND w.status = 'pending'
              ORDER BY w.feed_entry_id
              LIMIT 1
           ) head
           JOIN feed_entries f ON f.id = head.feed_entry_id
          WHERE s.status = 'active'
            AND s.delivery_type = 'webhook'
            AND head.next_attempt_at <= now()
            AND (head.lease_until IS NULL OR head.lease_until <= now())
       ), claimable AS (
         SELECT w.id
           FROM webhook_deliveries w
           JOIN (SELECT id FROM heads WHERE settled ORDER BY next_attempt_at LIMIT $1) due ON due.id = w.id
          WHERE w.status = 'pending' AND (w.lease_until IS NULL OR w.lease_until <= now())
            FOR UPDATE OF w SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries w
            SET lease_until = date_trunc('milliseconds', now() + make_interval(secs => $2::float8 / 1000))
           FROM claimable, subscriptions s, feed_entries f
          WHERE w.id = claimable.id AND s.id = w.subscription_id AND f.id = w.feed_entry_id
         RETURNING w.id, w.subscription_id, w.feed_entry_id::text AS feed_entry_id, w.event_id, w.attempts,
                   w.last_status_code, w.last_error, w.lease_until, s.webhook_url, s.secret_ciphertext, f.event
       )
       -- One row even when nothing was claimed, to carry held_back.
       SELECT held.held_back, claimed.*
         FROM (SELECT COALESCE(bool_or(NOT settled), false) AS held_back FROM heads) held
         LEFT JOIN claimed ON true`,
      [limit, leaseMs],
    );
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
      }))
      .sort((a, b) => Number(BigInt(a.feedEntryId) - BigInt(b.feedEntryId)));
    return { claimed, heldBack: rows[0]?.held_back ?? false };
  }

  /**
   * Gives back leases taken but not used (a notifier stopping with claimed deliveries not yet
   * sent), so they are due again at once instead of when the lease runs out.
   */
  async release(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.run(
      null,
      `UPDATE webhook_deliveries w SET lease_until = NULL
         FROM unnest($1::uuid[], $2::timestamptz[]) AS l (id, lease_until)
        WHERE w.id = l.id AND w.status = 'pending' AND w.lease_until = l.lease_until`,
      [leases.map((lease) => lease.id), leases.map((lease) => lease.leaseUntil)],
    );
  }

  /** Appends one attempt to a delivery's history. */
  async recordAttempt(deliveryId: string, attempt: DeliveryAttemptRecord): Promise<void> {
    await this.run(null, ...insertAttempt(deliveryId, attempt));
  }

  /**
   * Records the successful attempt, completes the delivery and clears the subscription's run of
   * failures. False when the lease had already passed to another notifier (nothing is changed but
   * the attempt's history).
   */
  async markDelivered(delivery: Lease, attempt: DeliveryAttemptRecord): Promise<boolean> {
    const [delivered] = await this.markAllDelivered([{ delivery, attempt }]);
    return delivered;
  }

  /**
   * `markDelivered` for several deliveries (of different subscriptions) in one statement: one round
   * trip and one commit, atomic as any statement, each delivery with its attempt and its
   * 'delivery.delivered' audit entry. Answers, in the order given, whether each was still this
   * notifier's to complete.
   */
  async markAllDelivered(
    outcomes: readonly { delivery: Lease; attempt: DeliveryAttemptRecord }[],
  ): Promise<boolean[]> {
    if (outcomes.length === 0) return [];
    // The notifier's most frequent write.
    const { rows } = await this.run<{ id: string }>(
      null,
      `WITH outcome AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::timestamptz[], $5::int[],
                              $6::varchar[], $7::text[])
           AS o (delivery_id, lease_until, status_code, started_at, latency_ms, outcome, error)
       ), attempt AS (
         INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome, error)
         SELECT o.delivery_id,
                COALESCE((SELECT max(a.attempt) FROM delivery_attempts a WHERE a.delivery_id = o.delivery_id), 0) + 1,
                o.started_at, o.latency_ms, o.status_code, o.outcome, o.error
           FROM outcome o
       ), delivered AS (
         UPDATE webhook_deliveries w
            SET status = 'delivered', attempts = w.attempts + 1, lease_until = NULL, completed_at = now(),
                last_status_code = o.status_code, last_error = NULL
           FROM outcome o
          WHERE w.id = o.delivery_id AND w.status = 'pending' AND w.lease_until = o.lease_until
         RETURNING w.id, w.subscription_id, w.feed_entry_id, w.event_id, o.status_code
       ), cleared AS (
         UPDATE subscriptions SET consecutive_failures = 0, ${SUBSCRIPTION_CHANGED}
          WHERE id IN (SELECT subscription_id FROM delivered) AND consecutive_failures <> 0
       ), audited AS (
         -- Audited with the delivery: the recipient organization received the record.
         INSERT INTO audit_events (${AUDIT_COLUMNS})
         SELECT NULL, 'organization', o.id, o.code, o.kind, 'delivery.delivered', 'success', NULL, 'delivery',
                d.id::text, ARRAY[f.record_id], ARRAY[d.event_id],
                jsonb_build_object('subscriptionId', d.subscription_id, 'eventType', f.event_type,
                                   'statusCode', d.status_code, 'via', 'notifier'),
                NULL
           FROM delivered d
           JOIN feed_entries f ON f.id = d.feed_entry_id
           JOIN subscriptions s ON s.id = d.subscription_id
           JOIN organizations o ON o.id = s.organization_id
          ORDER BY d.feed_entry_id
       )
       SELECT id FROM delivered`,
      [
        outcomes.map(({ delivery }) => delivery.id),
        outcomes.map(({ delivery }) => delivery.leaseUntil),
        outcomes.map(({ attempt }) => attempt.statusCode),
        outcomes.map(({ attempt }) => attempt.startedAt),
        outcomes.map(({ attempt }) => Math.max(0, Math.round(attempt.latencyMs))),
        outcomes.map(({ attempt }) => attempt.outcome),
        outcomes.map(({ attempt }) => truncate(attempt.error)),
      ],
    );
    const delivered = new Set(rows.map((row) => row.id));
    return outcomes.map(({ delivery }) => delivered.has(delivery.id));
  }

  /**
   * Releases the lease and makes the delivery due again after `delayMs`, recording the failed
   * attempt when there was one (null: put back untried, e.g. when the dead-letter topic was down).
   */
  async scheduleRetry(
    delivery: Lease,
    attempt: DeliveryAttemptRecord | null,
    delayMs: number,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner!;
      if (attempt) await this.run(runner, ...insertAttempt(delivery.id, attempt));
      const { affected } = await this.run(
        runner,
        `UPDATE webhook_deliveries
            SET attempts = attempts + $3, lease_until = NULL,
                next_attempt_at = now() + make_interval(secs => $4::float8 / 1000),
                last_status_code = CASE WHEN $3 = 1 THEN $5 ELSE last_status_code END,
                last_error = CASE WHEN $3 = 1 THEN $6 ELSE last_error END
          WHERE id = $1 AND status = 'pending' AND lease_until = $2`,
        [
          delivery.id,
          delivery.leaseUntil,
          attempt ? 1 : 0,
          Math.max(0, delayMs),
          attempt?.statusCode ?? null,
          truncate(attempt?.error ?? null),
        ],
      );
      return affected > 0;
    });
  }

  /**
   * Gives up on a delivery (after it was published to the dead-letter topic) and counts one more
   * consecutive failure for its subscription; answers that count (0 when the lease was lost).
   */
  async markFailed(
    delivery: Lease,
    attempt: DeliveryAttemptRecord | null,
    reason: string,
  ): Promise<{ consecutiveFailures: number }> {
    return this.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner!;
      if (attempt) await this.run(runner, ...insertAttempt(delivery.id, attempt));
      const { affected } = await this.run(
        runner,
        `UPDATE webhook_deliveries
            SET status = 'failed', attempts = attempts + $3, lease_until = NULL, completed_at = now(),
                last_status_code = CASE WHEN $3 = 1 THEN $4 ELSE last_status_code END, last_error = $5
          WHERE id = $1 AND status = 'pending' AND lease_until = $2`,
        [delivery.id, delivery.leaseUntil, attempt ? 1 : 0, attempt?.statusCode ?? null, truncate(reason)],
      );
      if (affected === 0) return { consecutiveFailures: 0 };
      const { rows } = await this.run<{ consecutive_failures: number }>(
        runner,
        `UPDATE subscriptions SET consecutive_failures = consecutive_failures + 1, ${SUBSCRIPTION_CHANGED}
          WHERE id = $1 RETURNING consecutive_failures`,
        [delivery.subscriptionId],
      );
      return { consecutiveFailures: rows[0]?.consecutive_failures ?? 0 };
    });
  }

  /** Pauses an active subscription with a reason for its owner; false when it was not active. */
  async pauseSubscription(subscriptionId: string, reason: string): Promise<boolean> {
    const { affected } = await this.run(
      null,
      `UPDATE subscriptions SET status = 'paused', paused_reason = $2, ${SUBSCRIPTION_CHANGED}
        WHERE id = $1 AND status = 'active'`,
      [subscriptionId, truncate(reason)],
    );
    return affected > 0;
  }

  /** A subscription's deliveries, newest first, each with its attempts (oldest first). */
  async listDeliveries(
    subscriptionId: string,
    page: { limit: number; before?: string | null; status?: DeliveryStatus },
  ): Promise<DeliveryPage> {
    const limit = Math.max(1, Math.min(page.limit, 500));
    const { rows } = await this.run<RawDelivery>(
      null,
      `SELECT w.id, w.subscription_id, w.feed_entry_id::text AS feed_entry_id, w.event_id, f.event_type,
              f.record_id, w.status, w.attempts, w.next_attempt_at, w.last_status_code, w.last_error,
              w.created_at, w.completed_at
         FROM webhook_deliveries w
         JOIN feed_entries f ON f.id = w.feed_entry_id
        WHERE w.subscription_id = $1
          AND ($2::bigint IS NULL OR w.feed_entry_id < $2::bigint)
          AND ($3::text IS NULL OR w.status = $3::text)
        ORDER BY w.feed_entry_id DESC
        LIMIT $4`,
      [subscriptionId, page.before ?? null, page.status ?? null, limit + 1],
    );
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    const { rows: attempts } = await this.run<RawAttempt>(
      null,
      `SELECT delivery_id, attempt, started_at, latency_ms, status_code, outcome, error
         FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[])
        ORDER BY delivery_id, attempt, id`,
      [shown.map((row) => row.id)],
    );
    const byDelivery = new Map<string, DeliveryAttemptView[]>();
    for (const row of attempts) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push({
        attempt: row.attempt,
        startedAt: row.started_at,
        latencyMs: row.latency_ms,
        statusCode: row.status_code,
        outcome: row.outcome,
        error: row.error,
      });
      byDelivery.set(row.delivery_id, list);
    }
    return {
      deliveries: shown.map((row) => ({
        id: row.id,
        subscriptionId: row.subscription_id,
        eventId: row.event_id,
        eventType: row.event_type,
        recordId: row.record_id,
        status: row.status,
        attempts: row.attempts,
        nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
        lastStatusCode: row.last_status_code,
        lastError: row.last_error,
        createdAt: row.created_at,
        completedAt: row.completed_at,
        attemptLog: byDelivery.get(row.id) ?? [],
      })),
      nextCursor: more ? shown[shown.length - 1].feed_entry_id : null,
    };
  }

  /**
   * Puts a failed (or waiting) delivery back in line for an attempt now, with a fresh retry
   * schedule. It keeps its place in the subscription's order, so newer deliveries wait for it.
   */
  async requeue(subscriptionId: string, deliveryId: string, audit: AuditEntry): Promise<RequeueOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner!;
      const { rows } = await this.run<{ status: DeliveryStatus; leased: boolean }>(
        runner,
        `SELECT status, (lease_until IS NOT NULL AND lease_until > now()) AS leased
           FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2 FOR UPDATE`,
        [deliveryId, subscriptionId],
      );
      const current = rows[0];
      if (!current) return 'not-found';
      if (current.status === 'delivered') return 'already-delivered';
      if (current.leased) return 'in-flight';
      await this.run(
        runner,
        `UPDATE webhook_deliveries
            SET status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = NULL, completed_at = NULL
          WHERE id = $1`,
        [deliveryId],
      );
      await appendAudit(runner, [audit]);
      return 'requeued';
    });
  }

  /** For health and metrics. */
  async backlog(): Promise<DeliveryBacklog> {
    const { rows } = await this.run<{ pending: number; due: number; oldest: number; held: number }>(
      null,
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

  /** Runs one statement on the given runner (inside a transaction) or on a pooled connection. */
  private async run<T = unknown>(
    runner: QueryRunner | null,
    sql: string,
    parameters: unknown[] = [],
  ): Promise<{ rows: T[]; affected: number }> {
    const used = runner ?? this.dataSource.createQueryRunner();
    try {
      const result = await used.query(sql, parameters, true);
      return { rows: (result.records ?? []) as T[], affected: result.affected ?? 0 };
    } finally {
      if (!runner) await used.release();
    }
  }
}

function truncate(text: string | null): string | null {
  return text !== null && text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

function insertAttempt(deliveryId: string, attempt: DeliveryAttemptRecord): [string, unknown[]] {
  return [
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome, error)
     SELECT $1, COALESCE(max(attempt), 0) + 1, $2, $3, $4, $5, $6 FROM delivery_attempts WHERE delivery_id = $1`,
    [
      deliveryId,
      attempt.startedAt,
      Math.max(0, Math.round(attempt.latencyMs)),
      attempt.statusCode,
      attempt.outcome,
      truncate(attempt.error),
    ],
  ];
}
