import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Joint operations (COSMO): the operation with its period, phases, scope and template; its
 * participants, by organization; the milestones already announced on hub.operations.v1 (opened,
 * each phase started), so the relay's clock-driven scan announces each once. Records name their
 * operation in the body; an expression index finds an operation's records. The handling check
 * gains 'operation'.
 */
export class CreateOperations1796830000001 implements MigrationInterface {
  name = 'CreateOperations1796830000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE operations (
        id uuid PRIMARY KEY,
        code varchar(40) NOT NULL CONSTRAINT operations_code_unique UNIQUE,
        name varchar(200) NOT NULL,
        description varchar(2000) NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        phases jsonb NOT NULL,
        scope jsonb,
        template jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz,
        CONSTRAINT operations_period_ordered CHECK (period_end > period_start)
      )`);
    await queryRunner.query(`
      CREATE TABLE operation_participants (
        operation_id uuid NOT NULL REFERENCES operations (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        organization_code varchar(40) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('coordinator', 'participant', 'observer')),
        added_at timestamptz NOT NULL,
        PRIMARY KEY (operation_id, organization_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX operation_participants_organization_idx ON operation_participants (organization_id)',
    );
    await queryRunner.query(`
      CREATE TABLE operation_milestones (
        operation_id uuid NOT NULL REFERENCES operations (id),
        milestone varchar(40) NOT NULL,
        announced_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (operation_id, milestone)
      )`);
    await queryRunner.query(
      "CREATE INDEX intelligence_records_operation_idx ON intelligence_records ((body ->> 'operation'), created_at, id) WHERE body ? 'operation'",
    );
    await queryRunner.query(
      'ALTER TABLE intelligence_records DROP CONSTRAINT intelligence_records_handling_check',
    );
    await queryRunner.query(
      `ALTER TABLE intelligence_records ADD CONSTRAINT intelligence_records_handling_check
         CHECK (handling IN ('community', 'members', 'region', 'restricted', 'operation'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE intelligence_records DROP CONSTRAINT intelligence_records_handling_check',
    );
    await queryRunner.query(
      `ALTER TABLE intelligence_records ADD CONSTRAINT intelligence_records_handling_check
         CHECK (handling IN ('community', 'members', 'region', 'restricted'))`,
    );
    await queryRunner.query('DROP INDEX intelligence_records_operation_idx');
    await queryRunner.query('DROP TABLE operation_milestones');
    await queryRunner.query('DROP TABLE operation_participants');
    await queryRunner.query('DROP TABLE operations');
  }
}
