import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** How long each kind of row is kept, in days; 0 keeps it for ever. */
export interface RetentionPolicy {
  feedEntryDays: number;
  deliveryDays: number;
  outboxDays: number;
}

/** Rows deleted by one pass, by table. */
export interface RetentionPass {
  feedEntries: number;
  deliveries: number;
  deliveryAttempts: number;
  outboxEvents: number;
}

/**
 * Deletes what the hub no longer needs, in bounded batches (one short transaction each, so
 * nothing holds locks for long). Never: a pending delivery; an outbox row not yet published;
 * a feed entry a delivery still references; the newest entry of each (subscription, record) of
 * a record still active, by which revisions and withdrawals find those who received it
 * (FeedStore.priorRecipients); the outbox row of an active record's current version, which a
 * new subscription's replay reads. The audit trail is never pruned.
 */
@Injectable()
export class RetentionSweep {
  constructor(private readonly dataSource: DataSource) {}

  /** Deletes up to `batch` rows of each table past its retention; repeat while it deletes a full batch. */
  async pass(policy: RetentionPolicy, batch: number): Promise<RetentionPass> {
    // Deliveries first: the feed entries they reference may go in the same pass.
    const deliveries = policy.deliveryDays > 0 ? await this.deliveries(policy.deliveryDays, batch) : [0, 0];
    return {
      deliveries: deliveries[0],
      deliveryAttempts: deliveries[1],
      feedEntries: policy.feedEntryDays > 0 ? await this.feedEntries(policy.feedEntryDays, batch) : 0,
      outboxEvents: policy.outboxDays > 0 ? await this.outboxEvents(policy.outboxDays, batch) : 0,
    };
  }

  private async deliveries(days: number, batch: number): Promise<[number, number]> {
    const [row] = await this.dataSource.query<{ deliveries: number; attempts: number }[]>(
      `WITH doomed AS (
         SELECT id FROM webhook_deliveries
          WHERE status <> 'pending' AND coalesce(completed_at, created_at) < now() - make_interval(days => $1)
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ), attempts AS (
         DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM doomed) RETURNING 1
       ), deliveries AS (
         DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM doomed) AND status <> 'pending' RETURNING 1
       )
       SELECT (SELECT count(*) FROM deliveries)::int AS deliveries, (SELECT count(*) FROM attempts)::int AS attempts`,
      [days, batch],
    );
    return [row.deliveries, row.attempts];
  }

  private async feedEntries(days: number, batch: number): Promise<number> {
    const [row] = await this.dataSource.query<{ deleted: number }[]>(
      `WITH doomed AS (
         SELECT f.id FROM feed_entries f
          WHERE f.created_at < now() - make_interval(days => $1)
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.feed_entry_id = f.id)
            AND (
              NOT EXISTS (SELECT 1 FROM intelligence_records r WHERE r.id = f.record_id AND r.status = 'active')
              OR EXISTS (
                SELECT 1 FROM feed_entries newer
                 WHERE newer.record_id = f.record_id AND newer.subscription_id = f.subscription_id AND newer.id > f.id
              )
            )
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ), deleted AS (
         DELETE FROM feed_entries WHERE id IN (SELECT id FROM doomed)
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.feed_entry_id = feed_entries.id)
         RETURNING 1
       )
       SELECT count(*)::int AS deleted FROM deleted`,
      [days, batch],
    );
    return row.deleted;
  }

  private async outboxEvents(days: number, batch: number): Promise<number> {
    const [row] = await this.dataSource.query<{ deleted: number }[]>(
      `WITH doomed AS (
         SELECT o.id FROM outbox_events o
          WHERE o.published_at IS NOT NULL AND o.published_at < now() - make_interval(days => $1)
            AND NOT EXISTS (
              SELECT 1 FROM intelligence_records r
               WHERE r.id::text = o.message_key AND r.status = 'active'
                 AND r.version = (o.event->'data'->>'version')::int
            )
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ), deleted AS (
         DELETE FROM outbox_events WHERE id IN (SELECT id FROM doomed) RETURNING 1
       )
       SELECT count(*)::int AS deleted FROM deleted`,
      [days, batch],
    );
    return row.deleted;
  }
}
