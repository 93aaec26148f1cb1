import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOperators1796712000001 implements MigrationInterface {
  name = 'CreateOperators1796712000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Named operators of the admin API, each with a personal token stored as its SHA-256 digest
    // (like API keys), so the audit trail says which operator did what. A name is held by one live
    // token at a time; a revoked operator's rows stay for the trail.
    await queryRunner.query(`
      CREATE TABLE operators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(40) NOT NULL,
        prefix varchar(16) NOT NULL,
        token_hash char(64) NOT NULL UNIQUE,
        created_by varchar(80) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE UNIQUE INDEX operators_live_name ON operators (name) WHERE revoked_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE operators');
  }
}
