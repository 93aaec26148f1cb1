import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIntelligenceRecords1796000276697 implements MigrationInterface {
  name = 'CreateIntelligenceRecords1796000276697';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE intelligence_records (
        id uuid PRIMARY KEY,
        type varchar(16) NOT NULL CHECK (type IN ('alert', 'seizure')),
        originator_id uuid NOT NULL REFERENCES organizations (id),
        originator_code varchar(40) NOT NULL,
        reference varchar(100) NOT NULL,
        version int NOT NULL CHECK (version >= 1),
        status varchar(16) NOT NULL CHECK (status IN ('active', 'withdrawn')),
        handling varchar(16) NOT NULL CHECK (handling IN ('community', 'members', 'region', 'restricted')),
        recipients text[] NOT NULL DEFAULT '{}',
        regions text[] NOT NULL DEFAULT '{}',
        countries text[] NOT NULL DEFAULT '{}',
        hs_codes text[] NOT NULL DEFAULT '{}',
        categories text[] NOT NULL DEFAULT '{}',
        severity varchar(16),
        body jsonb NOT NULL,
        submission_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        withdrawn_at timestamptz,
        CONSTRAINT intelligence_records_reference_key UNIQUE (originator_id, type, reference)
      )`);
    // Listing walks (created_at, id); filters use the routing arrays.
    await queryRunner.query(
      'CREATE INDEX intelligence_records_listing_idx ON intelligence_records (type, created_at, id)',
    );
    await queryRunner.query(
      'CREATE INDEX intelligence_records_regions_idx ON intelligence_records USING gin (regions)',
    );
    await queryRunner.query(
      'CREATE INDEX intelligence_records_categories_idx ON intelligence_records USING gin (categories)',
    );
    await queryRunner.query(`
      CREATE TABLE intelligence_record_versions (
        record_id uuid NOT NULL REFERENCES intelligence_records (id),
        version int NOT NULL,
        event_type varchar(32) NOT NULL,
        record jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (record_id, version)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE intelligence_record_versions');
    await queryRunner.query('DROP TABLE intelligence_records');
  }
}
