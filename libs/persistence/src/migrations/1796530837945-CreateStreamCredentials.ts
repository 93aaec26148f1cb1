import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateStreamCredentials1796530837945 implements MigrationInterface {
  name = 'CreateStreamCredentials1796530837945';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What the hub granted on the broker to each Kafka stream credential, and who issued and revoked
    // it. Never the password: the broker keeps it as a salted SCRAM verifier, the hub not at all.
    // RESTRICT: an organization cannot be deleted while rows name it, so deleting one has to revoke
    // its credentials on the broker (and remove these rows) first rather than orphan a live principal.
    await queryRunner.query(`
      CREATE TABLE stream_credentials (
        username varchar(100) PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
        mechanism varchar(32) NOT NULL CHECK (mechanism IN ('SCRAM-SHA-512')),
        topics text[] NOT NULL,
        group_prefix varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by varchar(64) NOT NULL,
        revoked_at timestamptz,
        revoked_by varchar(64),
        CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      )`);
    await queryRunner.query(
      'CREATE INDEX stream_credentials_organization_idx ON stream_credentials (organization_id, created_at)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE stream_credentials');
  }
}
