import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuditTrail1796156681974 implements MigrationInterface {
  name = 'CreateAuditTrail1796156681974';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Who did what to which resource, when, for which request and with what outcome. Read like the
    // outbox and the feeds: (tx_id, id) below the oldest running transaction, so no page skips a row
    // whose transaction commits late.
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        request_id varchar(64),
        actor_type varchar(16) NOT NULL CHECK (actor_type IN ('organization', 'operator', 'service', 'anonymous')),
        actor_id uuid,
        actor_code varchar(64),
        actor_kind varchar(16),
        action varchar(64) NOT NULL,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('success', 'refused')),
        status_code smallint,
        resource_type varchar(32) NOT NULL,
        resource_id varchar(200),
        record_ids uuid[] NOT NULL DEFAULT '{}',
        event_ids uuid[] NOT NULL DEFAULT '{}',
        detail jsonb NOT NULL DEFAULT '{}',
        dedupe_key varchar(200)
      )`);
    await queryRunner.query('CREATE INDEX audit_events_order_idx ON audit_events (tx_id, id)');
    await queryRunner.query('CREATE INDEX audit_events_actor_idx ON audit_events (actor_code, tx_id, id)');
    await queryRunner.query('CREATE INDEX audit_events_records_idx ON audit_events USING gin (record_ids)');
    // Work a service may repeat after a crash (a regional publication) is recorded once.
    await queryRunner.query(
      'CREATE UNIQUE INDEX audit_events_once ON audit_events (dedupe_key) WHERE dedupe_key IS NOT NULL',
    );
    // Append-only for every role, owners and superusers included: statement triggers refuse UPDATE and
    // DELETE (even of no rows) and TRUNCATE, and fire ALWAYS, also under session_replication_role = replica.
    await queryRunner.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      'CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()',
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()',
    );
    await queryRunner.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only');
    await queryRunner.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_events');
    await queryRunner.query('DROP FUNCTION audit_events_refuse_change()');
  }
}
