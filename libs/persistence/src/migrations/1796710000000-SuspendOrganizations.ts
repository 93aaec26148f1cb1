import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SuspendOrganizations1796710000000 implements MigrationInterface {
  name = 'SuspendOrganizations1796710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // An operator's cut-off: a suspended organization keeps its keys, subscriptions and stream
    // credentials, but nothing authenticates, is matched or is sent until it is reinstated.
    await queryRunner.query(
      `ALTER TABLE organizations
         ADD COLUMN status varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
         ADD COLUMN suspended_at timestamptz,
         ADD COLUMN suspension_reason varchar(500)`,
    );
    await queryRunner.query(
      `ALTER TABLE organizations ADD CONSTRAINT organizations_suspension_stated
         CHECK ((status = 'suspended') = (suspended_at IS NOT NULL AND suspension_reason IS NOT NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE organizations DROP CONSTRAINT organizations_suspension_stated');
    await queryRunner.query(
      'ALTER TABLE organizations DROP COLUMN suspension_reason, DROP COLUMN suspended_at, DROP COLUMN status',
    );
  }
}
