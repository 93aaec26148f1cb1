import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from '../service-role';

export class CreateServiceRole1796800000001 implements MigrationInterface {
  name = 'CreateServiceRole1796800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The services' rights, held by a NOLOGIN group role: the login roles the services connect as
    // are its members (see ensureServiceLogin), and own nothing, so they can neither disable the
    // audit triggers nor alter or drop a table. Created unless a DBA made it already (it is
    // cluster-wide: several hub databases on one server share it); the owner running the
    // migrations needs CREATEROLE only then.
    await queryRunner.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${SERVICE_ROLE}') THEN
          CREATE ROLE ${SERVICE_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another database's migration
      END $$`);
    await queryRunner.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${SERVICE_ROLE}`);
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${SERVICE_ROLE}`,
    );
    await queryRunner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${SERVICE_ROLE}`);
    // The trail and its chain: append and read only.
    await queryRunner.query(
      `REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain FROM ${SERVICE_ROLE}`,
    );
    // The migrations' own bookkeeping is the owner's.
    await queryRunner.query(`REVOKE ALL ON hub_migrations FROM ${SERVICE_ROLE}`);
    // Tables and sequences later migrations create (as this same owner) get the same rights.
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${SERVICE_ROLE}`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${SERVICE_ROLE}`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ${SERVICE_ROLE}`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${SERVICE_ROLE}`,
    );
    await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${SERVICE_ROLE}`);
    await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${SERVICE_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${SERVICE_ROLE}`);
  }
}
