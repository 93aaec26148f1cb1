import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API key lifecycle (L-8): an optional expiry, when the key was last used (written at most once a
 * minute per key), and its scope (`read` keys are refused every write). Existing keys keep working
 * as they did: no expiry, read-write.
 */
export class ApiKeyLifecycle1796820000000 implements MigrationInterface {
  name = 'ApiKeyLifecycle1796820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE api_keys
         ADD COLUMN expires_at timestamptz NULL,
         ADD COLUMN last_used_at timestamptz NULL,
         ADD COLUMN scope varchar(10) NOT NULL DEFAULT 'read-write'
           CONSTRAINT api_keys_scope_check CHECK (scope IN ('read', 'read-write'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE api_keys DROP COLUMN scope, DROP COLUMN last_used_at, DROP COLUMN expires_at',
    );
  }
}
