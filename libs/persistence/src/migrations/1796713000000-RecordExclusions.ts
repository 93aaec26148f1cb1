import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RecordExclusions1796713000000 implements MigrationInterface {
  name = 'RecordExclusions1796713000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The originator's exclusions (tip-off protection) beside the other audience facts, so list
    // queries filter on them in SQL as they do on handling and recipients. Records written before
    // them excluded no one.
    await queryRunner.query(
      `ALTER TABLE intelligence_records
         ADD COLUMN exclude_organizations text[] NOT NULL DEFAULT '{}',
         ADD COLUMN exclude_countries text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE intelligence_records DROP COLUMN exclude_organizations, DROP COLUMN exclude_countries',
    );
  }
}
