import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ChainAuditTrail1796800000000 implements MigrationInterface {
  name = 'ChainAuditTrail1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The hash chain over audit_events, one link per entry in the trail's commit-safe order, written
    // by the chainer after the entries commit (see AuditChain). No foreign key: an entry deleted
    // behind the triggers' back must show as a missing entry, not block or cascade.
    await queryRunner.query(`
      CREATE TABLE audit_chain (
        position bigint PRIMARY KEY CHECK (position > 0),
        event_id bigint NOT NULL UNIQUE,
        tx_id xid8 NOT NULL,
        prev_hash char(64) NOT NULL,
        entry_hash char(64) NOT NULL,
        chained_at timestamptz NOT NULL DEFAULT now()
      )`);
    // How far the chain reached in the trail's (tx_id, id) order: where the chainer resumes.
    await queryRunner.query('CREATE INDEX audit_chain_reached_idx ON audit_chain (tx_id, event_id)');
    // Append-only like the trail itself.
    await queryRunner.query(`
      CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_chain is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      'CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change()',
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change()',
    );
    await queryRunner.query('ALTER TABLE audit_chain ENABLE ALWAYS TRIGGER audit_chain_append_only');
    await queryRunner.query('ALTER TABLE audit_chain ENABLE ALWAYS TRIGGER audit_chain_no_truncate');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_chain');
    await queryRunner.query('DROP FUNCTION audit_chain_refuse_change()');
  }
}
