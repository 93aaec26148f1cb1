import { Client } from 'pg';
// Jest resolves globalSetup modules without moduleNameMapper (jestjs/jest#11644), so no @hub alias here.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { runMigrations } from '../../libs/persistence/src/data-source';
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { ensureServiceLogin } from '../../libs/persistence/src/service-role';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DATABASE = process.env.TEST_DATABASE_NAME ?? 'cosmo_hub_test';

/**
 * The login the services of this test run connect as (a member of cosmo_hub_service, owning
 * nothing): one per TEST_DATABASE_NAME, since roles are the whole server's.
 */
export const TEST_SERVICE_LOGIN = `${TEST_DATABASE}_service`;

export interface TestDatabase {
  /** The owner's URL (the superuser's): migrations, and tests that act as the owner. */
  ownerUrl: string;
  /** The services' URL: TEST_SERVICE_LOGIN, as the services run in production. */
  url: string;
}

/** Recreates a test database (by default TEST_DATABASE_NAME) from scratch and applies every migration. */
export async function prepareTestDatabase(
  log: (line: string) => void,
  database = TEST_DATABASE,
): Promise<TestDatabase> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const started = Date.now();
  const ownerUrl = url.toString();
  const applied = await runMigrations(ownerUrl);
  log(`[db] ${database} migrated (${applied.length} migrations, ${Date.now() - started} ms)`);
  return { ownerUrl, url: await ensureServiceLogin(ownerUrl, TEST_SERVICE_LOGIN) };
}
