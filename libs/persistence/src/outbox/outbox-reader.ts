import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  eventId: string;
  eventType: string;
  event: Record<string, unknown>;
  createdAt: Date;
}

interface RawOutboxRow {
  id: string;
  topic: string;
  message_key: string;
  event_id: string;
  event_type: string;
  event: Record<string, unknown>;
  created_at: Date;
}

/**
 * Reads the outbox in commit-safe order. Only rows written by transactions
 * older than every transaction still running are read (`tx_id` below the
 * snapshot's xmin), so a row whose transaction commits late is never skipped;
 * ordering by (tx_id, id) keeps every record's versions in the order written,
 * because a revision holds the record's row lock until it commits.
 */
@Injectable()
export class OutboxReader {
  constructor(private readonly dataSource: DataSource) {}

  async nextBatch(limit: number): Promise<OutboxRow[]> {
    const rows = await this.dataSource.query<RawOutboxRow[]>(
      `SELECT id, topic, message_key, event_id, event_type, event, created_at
         FROM outbox_events
        WHERE published_at IS NULL
          AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY tx_id, id
        LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      id: row.id,
      topic: row.topic,
      key: row.message_key,
      eventId: row.event_id,
      eventType: row.event_type,
      event: row.event,
      createdAt: row.created_at,
    }));
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      'UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])',
      [ids],
    );
  }

  /** Rows not yet published, and the age of the oldest, for health and metrics. */
  async backlog(): Promise<{ pending: number; oldestSeconds: number }> {
    const [row] = await this.dataSource.query<{ pending: number; oldest: number }[]>(
      `SELECT count(*)::int AS pending,
              COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float AS oldest
         FROM outbox_events WHERE published_at IS NULL`,
    );
    return { pending: row.pending, oldestSeconds: row.oldest };
  }
}
