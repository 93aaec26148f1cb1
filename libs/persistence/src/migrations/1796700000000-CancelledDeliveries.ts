import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CancelledDeliveries1796700000000 implements MigrationInterface {
  name = 'CancelledDeliveries1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A delivery the hub itself withdrew (its organization suspended, the record recalled from it)
    // ends 'cancelled' with the reason, never 'failed': it must not be dead-lettered or retried.
    await queryRunner.query('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check');
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
         CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'))`,
    );
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries ADD COLUMN cancel_reason varchar(32)
         CHECK (cancel_reason IN ('organization-suspended', 'recalled'))`,
    );
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_cancelled_has_reason
         CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DELETE FROM webhook_deliveries WHERE status = 'cancelled'");
    await queryRunner.query(
      'ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_cancelled_has_reason',
    );
    await queryRunner.query('ALTER TABLE webhook_deliveries DROP COLUMN cancel_reason');
    await queryRunner.query('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check');
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
         CHECK (status IN ('pending', 'delivered', 'failed'))`,
    );
  }
}
