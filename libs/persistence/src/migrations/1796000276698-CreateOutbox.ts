import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOutbox1796000276698 implements MigrationInterface {
  name = 'CreateOutbox1796000276698';

  async up(queryRunner: QueryRunner): Promise<void> {
    // tx_id orders and gates the relay's reads (see OutboxEventEntity); published rows are kept for replay and audit.
    await queryRunner.query(`
      CREATE TABLE outbox_events (
        id bigserial PRIMARY KEY,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        topic varchar(200) NOT NULL,
        message_key varchar(200) NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        event_type varchar(64) NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE INDEX outbox_events_pending_idx ON outbox_events (tx_id, id) WHERE published_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE outbox_events');
  }
}
