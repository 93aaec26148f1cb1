import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PrepareSubscriptionReplay1796531426447 implements MigrationInterface {
  name = 'PrepareSubscriptionReplay1796531426447';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The record version of each feed entry, so a subscription is never given an older version of a
    // record than one it already holds (a replay copies current versions, the router may still be
    // behind). Entries written before this column are NULL and compare as unknown: nothing changes.
    await queryRunner.query('ALTER TABLE feed_entries ADD COLUMN record_version int');
    // A replay walks records newest first and finds each current version's event in the outbox.
    await queryRunner.query(
      'CREATE INDEX intelligence_records_updated_idx ON intelligence_records (updated_at, id)',
    );
    await queryRunner.query('CREATE INDEX outbox_events_record_idx ON outbox_events (message_key)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX outbox_events_record_idx');
    await queryRunner.query('DROP INDEX intelligence_records_updated_idx');
    await queryRunner.query('ALTER TABLE feed_entries DROP COLUMN record_version');
  }
}
