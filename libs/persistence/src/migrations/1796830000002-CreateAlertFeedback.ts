import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The feedback loop (issue 16). `alert_addressees`: the members on an alert's route who may read
 * it, written with each version of the alert (so a revision that changes the route or the handling
 * adds and removes addressees in the same transaction); `tx_id` pages inboxes gap-free as feeds
 * are. `alert_feedback`: what the organizations answered, once per (alert, organization, type,
 * seizure). `alert_escalations`: one row per alert whose acknowledgement deadline was checked, so
 * an alert is never escalated twice. The deadline itself lives on the record.
 */
export class CreateAlertFeedback1796830000002 implements MigrationInterface {
  name = 'CreateAlertFeedback1796830000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE intelligence_records
         ADD COLUMN acknowledge_within varchar(32) NULL,
         ADD COLUMN acknowledge_due_at timestamptz NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX intelligence_records_acknowledge_due ON intelligence_records (acknowledge_due_at)
         WHERE acknowledge_due_at IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE alert_addressees (
        id bigserial PRIMARY KEY,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        alert_id uuid NOT NULL REFERENCES intelligence_records (id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        organization_code varchar(40) NOT NULL,
        country char(2) NOT NULL,
        addressed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_addressees_once UNIQUE (alert_id, organization_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX alert_addressees_inbox ON alert_addressees (organization_id, tx_id, id)',
    );
    await queryRunner.query(`
      CREATE TABLE alert_feedback (
        id uuid PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES intelligence_records (id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        organization_code varchar(40) NOT NULL,
        type varchar(20) NOT NULL
          CONSTRAINT alert_feedback_type_check
          CHECK (type IN ('received', 'checked-no-find', 'hit', 'false-positive', 'not-relevant')),
        seizure_id uuid NULL REFERENCES intelligence_records (id) ON DELETE CASCADE,
        comment text NULL,
        observed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        automatic boolean NOT NULL DEFAULT false,
        CONSTRAINT alert_feedback_once UNIQUE NULLS NOT DISTINCT (alert_id, organization_id, type, seizure_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX alert_feedback_by_alert ON alert_feedback (alert_id, organization_id, created_at)',
    );
    await queryRunner.query(`
      CREATE TABLE alert_escalations (
        alert_id uuid PRIMARY KEY REFERENCES intelligence_records (id) ON DELETE CASCADE,
        due_at timestamptz NOT NULL,
        escalated_at timestamptz NOT NULL DEFAULT now(),
        event_id uuid NULL,
        addressees int NOT NULL,
        acknowledged int NOT NULL,
        silent_addressees text[] NOT NULL,
        rilos text[] NOT NULL,
        event jsonb NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX alert_escalations_emitted ON alert_escalations (escalated_at DESC) WHERE event_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE alert_escalations');
    await queryRunner.query('DROP TABLE alert_feedback');
    await queryRunner.query('DROP TABLE alert_addressees');
    await queryRunner.query(
      'ALTER TABLE intelligence_records DROP COLUMN acknowledge_due_at, DROP COLUMN acknowledge_within',
    );
  }
}
