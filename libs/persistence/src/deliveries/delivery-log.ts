import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { HubEventType } from '@hub/contracts';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import {
  type DeliveryAttemptOutcome,
  type DeliveryAttemptView,
  type DeliveryCancelReason,
  type DeliveryPage,
  type DeliveryStatus,
  type RequeueOutcome,
} from './delivery-rows';
import { runStatement } from '../statements';

interface RawDelivery {
  id: string;
  subscription_id: string;
  feed_entry_id: string;
  event_id: string;
  event_type: HubEventType;
  record_id: string;
  status: DeliveryStatus;
  cancel_reason: DeliveryCancelReason | null;
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

/** A subscription's delivery log as the gateway serves it, and its owner's requeue of a delivery. */
@Injectable()
export class DeliveryLog {
  constructor(private readonly dataSource: DataSource) {}

  /** A subscription's deliveries, newest first, each with its attempts (oldest first). */
  async listDeliveries(
    subscriptionId: string,
    page: { limit: number; before?: string | null; status?: DeliveryStatus },
  ): Promise<DeliveryPage> {
    const limit = Math.max(1, Math.min(page.limit, 500));
    const { rows } = await runStatement<RawDelivery>(
      this.dataSource,
      `SELECT w.id, w.subscription_id, w.feed_entry_id::text AS feed_entry_id, w.event_id, f.event_type,
              f.record_id, w.status, w.cancel_reason, w.attempts, w.next_attempt_at, w.last_status_code, w.last_error,
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
    const { rows: attempts } = await runStatement<RawAttempt>(
      this.dataSource,
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
        cancelReason: row.cancel_reason,
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
   * Puts a failed, cancelled (or waiting) delivery back in line for an attempt now, with a fresh
   * retry schedule. It keeps its place in the subscription's order, so newer deliveries wait for it.
   * The notifier checks again before sending that the organization may still read the record: a
   * recalled one is cancelled again, unsent.
   */
  async requeue(subscriptionId: string, deliveryId: string, audit: AuditEntry): Promise<RequeueOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const runner = manager.queryRunner!;
      const { rows } = await runStatement<{ status: DeliveryStatus; leased: boolean }>(
        runner,
        `SELECT status, (lease_until IS NOT NULL AND lease_until > now()) AS leased
           FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2 FOR UPDATE`,
        [deliveryId, subscriptionId],
      );
      const current = rows[0];
      if (!current) return 'not-found';
      if (current.status === 'delivered') return 'already-delivered';
      if (current.leased) return 'in-flight';
      await runStatement(
        runner,
        `UPDATE webhook_deliveries
            SET status = 'pending', cancel_reason = NULL, attempts = 0, next_attempt_at = now(), lease_until = NULL,
                completed_at = NULL
          WHERE id = $1`,
        [deliveryId],
      );
      await appendAudit(runner, [audit]);
      return 'requeued';
    });
  }
}
