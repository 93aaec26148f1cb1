import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_OUTBOX_SHARDS, outboxShardOf } from '../outbox/outbox-shards';

export class ShardOutbox1796830000000 implements MigrationInterface {
  name = 'ShardOutbox1796830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The shard of the row's message key (outboxShardOf), set by the writer: each relay reads the
    // pending rows of its shards, in (tx_id, id) order within a shard, through this index.
    await queryRunner.query('ALTER TABLE outbox_events ADD COLUMN shard smallint NOT NULL DEFAULT 0');
    // Rows still waiting get the shard of the default count; published rows are never read by shard.
    const pending = (await queryRunner.query(
      'SELECT id, message_key FROM outbox_events WHERE published_at IS NULL',
    )) as { id: string; message_key: string }[];
    if (pending.length > 0)
      await queryRunner.query(
        `UPDATE outbox_events o SET shard = s.shard
           FROM unnest($1::bigint[], $2::smallint[]) AS s(id, shard) WHERE o.id = s.id`,
        [
          pending.map((row) => row.id),
          pending.map((row) => outboxShardOf(row.message_key, DEFAULT_OUTBOX_SHARDS)),
        ],
      );
    await queryRunner.query('ALTER TABLE outbox_events ALTER COLUMN shard DROP DEFAULT');
    await queryRunner.query('DROP INDEX outbox_events_pending_idx');
    await queryRunner.query(
      'CREATE INDEX outbox_events_pending_idx ON outbox_events (shard, tx_id, id) WHERE published_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX outbox_events_pending_idx');
    await queryRunner.query(
      'CREATE INDEX outbox_events_pending_idx ON outbox_events (tx_id, id) WHERE published_at IS NULL',
    );
    await queryRunner.query('ALTER TABLE outbox_events DROP COLUMN shard');
  }
}
