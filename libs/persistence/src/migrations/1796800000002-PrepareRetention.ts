import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PrepareRetention1796800000002 implements MigrationInterface {
  name = 'PrepareRetention1796800000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What the retention sweep (RetentionSweep) looks rows up by: their age, and the deliveries
    // that reference a feed entry (also what deleting a feed entry checks its foreign key with).
    await queryRunner.query('CREATE INDEX feed_entries_age_idx ON feed_entries (created_at)');
    await queryRunner.query(
      'CREATE INDEX webhook_deliveries_entry_idx ON webhook_deliveries (feed_entry_id)',
    );
    await queryRunner.query(
      "CREATE INDEX webhook_deliveries_done_idx ON webhook_deliveries (completed_at) WHERE status <> 'pending'",
    );
    await queryRunner.query(
      'CREATE INDEX outbox_events_published_idx ON outbox_events (published_at) WHERE published_at IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX outbox_events_published_idx');
    await queryRunner.query('DROP INDEX webhook_deliveries_done_idx');
    await queryRunner.query('DROP INDEX webhook_deliveries_entry_idx');
    await queryRunner.query('DROP INDEX feed_entries_age_idx');
  }
}
