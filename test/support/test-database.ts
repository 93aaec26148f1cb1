import { Client } from 'pg';
// Jest resolves globalSetup modules without moduleNameMapper (jestjs/jest#11644), so no @hub alias here.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { runMigrations } from '../../libs/persistence/src/data-source';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DATABASE = process.env.TEST_DATABASE_NAME ?? 'cosmo_hub_test';

/** Recreates a test database (by default TEST_DATABASE_NAME) from scratch and applies every migration; returns its URL. */
export async function prepareTestDatabase(
  log: (line: string) => void,
  database = TEST_DATABASE,
): Promise<string> {
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
  const applied = await runMigrations(url.toString());
  log(`[db] ${database} migrated (${applied.length} migrations, ${Date.now() - started} ms)`);
  return url.toString();
}
