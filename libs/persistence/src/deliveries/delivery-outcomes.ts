import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { AUDIT_COLUMNS } from '../audit/audit-trail';
import { type DeliveryAttemptRecord, type DeliveryCancelReason, type DeliveryLease } from './delivery-rows';
import { runPrepared } from '../statements';

// Bumps the revision and the change time the router reads subscription changes by (the migration's
// trigger stamps them too; setting them here keeps this store right without it).
const SUBSCRIPTION_CHANGED = "revision = nextval('subscription_revision_seq'), updated_at = now()";

const MAX_ERROR_LENGTH = 1000;

/**
 * The outcomes of the notifier's attempts: each attempt in the delivery's history, and the delivery
 * completed, put back for a retry or given up on, under the lease it was claimed with; a subscription
 * failing too often is paused.
 */
@Injectable()
export class DeliveryOutcomes {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends one attempt to a delivery's history. */
  async recordAttempt(deliveryId: string, attempt: DeliveryAttemptRecord): Promise<void> {
    await runPrepared(this.dataSource, ...insertAttempt(deliveryId, attempt));
  }

  /**
   * Records the successful attempt, completes the delivery and clears the subscription's run of
   * failures. False when the lease had already passed to another notifier (nothing is changed but
   * the attempt's history).
   */
  async markDelivered(delivery: DeliveryLease, attempt: DeliveryAttemptRecord): Promise<boolean> {
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
    outcomes: readonly { delivery: DeliveryLease; attempt: DeliveryAttemptRecord }[],
  ): Promise<boolean[]> {
    if (outcomes.length === 0) return [];
    // The notifier's most frequent write.
    const { rows } = await runPrepared<{ id: string }>(
      this.dataSource,
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
         SELECT NULL, NULL, 'organization', o.id, o.code, o.kind, 'delivery.delivered', 'success', NULL, 'delivery',
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
    delivery: DeliveryLease,
    attempt: DeliveryAttemptRecord | null,
    delayMs: number,
  ): Promise<boolean> {
    return this.afterAttempt(delivery.id, attempt, async (runner) => {
      const { affected } = await runPrepared(
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
    delivery: DeliveryLease,
    attempt: DeliveryAttemptRecord | null,
    reason: string,
  ): Promise<{ consecutiveFailures: number }> {
    return this.afterAttempt(delivery.id, attempt, async (runner) => {
      const { affected } = await runPrepared(
        runner,
        `UPDATE webhook_deliveries
            SET status = 'failed', attempts = attempts + $3, lease_until = NULL, completed_at = now(),
                last_status_code = CASE WHEN $3 = 1 THEN $4 ELSE last_status_code END, last_error = $5
          WHERE id = $1 AND status = 'pending' AND lease_until = $2`,
        [delivery.id, delivery.leaseUntil, attempt ? 1 : 0, attempt?.statusCode ?? null, truncate(reason)],
      );
      if (affected === 0) return { consecutiveFailures: 0 };
      const { rows } = await runPrepared<{ consecutive_failures: number }>(
        runner,
        `UPDATE subscriptions SET consecutive_failures = consecutive_failures + 1, ${SUBSCRIPTION_CHANGED}
          WHERE id = $1 RETURNING consecutive_failures`,
        [delivery.subscriptionId],
      );
      return { consecutiveFailures: rows[0]?.consecutive_failures ?? 0 };
    });
  }

  /**
   * Withdraws a claimed delivery unsent: it ends 'cancelled' with the reason, never retried nor
   * dead-lettered. False when the lease had already passed to another notifier.
   */
  async cancel(delivery: DeliveryLease, reason: DeliveryCancelReason): Promise<boolean> {
    const { affected } = await runPrepared(
      this.dataSource,
      `UPDATE webhook_deliveries
          SET status = 'cancelled', cancel_reason = $3, lease_until = NULL, completed_at = now()
        WHERE id = $1 AND status = 'pending' AND lease_until = $2`,
      [delivery.id, delivery.leaseUntil, reason],
    );
    return affected > 0;
  }

  /** Pauses an active subscription with a reason for its owner; false when it was not active. */
  async pauseSubscription(subscriptionId: string, reason: string): Promise<boolean> {
    const { affected } = await runPrepared(
      this.dataSource,
      `UPDATE subscriptions SET status = 'paused', paused_reason = $2, ${SUBSCRIPTION_CHANGED}
        WHERE id = $1 AND status = 'active'`,
      [subscriptionId, truncate(reason)],
    );
    return affected > 0;
  }

  /** Runs `write` in one transaction with the attempt, when there was one, appended first. */
  private afterAttempt<T>(
    deliveryId: string,
    attempt: DeliveryAttemptRecord | null,
    write: (runner: QueryRunner) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner!;
      if (attempt) await runPrepared(runner, ...insertAttempt(deliveryId, attempt));
      return write(runner);
    });
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
