import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditClientRequestId1796712000000 implements MigrationInterface {
  name = 'AuditClientRequestId1796712000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // request_id is the server's own from now on; the caller's x-request-id is kept beside it, so a
    // caller can no longer pass another request's id off as its own in the trail (L-3).
    await queryRunner.query('ALTER TABLE audit_events ADD COLUMN client_request_id varchar(64)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE audit_events DROP COLUMN client_request_id');
  }
}
