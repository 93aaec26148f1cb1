import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrganizationsAndApiKeys1796000276696 implements MigrationInterface {
  name = 'CreateOrganizationsAndApiKeys1796000276696';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(40) NOT NULL UNIQUE,
        name varchar(200) NOT NULL,
        kind varchar(16) NOT NULL CHECK (kind IN ('member', 'rilo', 'partner', 'secretariat')),
        country char(2),
        region varchar(32),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'member' OR country IS NOT NULL),
        CHECK (kind <> 'rilo' OR region IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        prefix varchar(16) NOT NULL,
        key_hash char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await queryRunner.query('CREATE INDEX api_keys_organization_idx ON api_keys (organization_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE api_keys');
    await queryRunner.query('DROP TABLE organizations');
  }
}
