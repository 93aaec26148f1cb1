import { Client } from 'pg';

/**
 * The group role that holds the services' rights (created by the CreateServiceRole migration):
 * DML on the hub's tables, only INSERT and SELECT on the audit trail and its chain, no ownership.
 */
export const SERVICE_ROLE = 'cosmo_hub_service';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `ownerUrl` with `login` (and `password`, else the owner's) in place of the owner: the URL the services use. */
export function serviceDatabaseUrl(ownerUrl: string, login: string, password?: string): string {
  const url = new URL(ownerUrl);
  url.username = login;
  if (password !== undefined) url.password = password;
  return url.toString();
}

/**
 * Makes `login` a LOGIN member of the service role, created when missing, with `password` (by
 * default the owner URL's own, for the launcher's, the tests' and the benchmarks' local servers)
 * and returns the services' URL. Run as the owner (with CREATEROLE) after the migrations: the
 * migrate command (DATABASE_SERVICE_LOGIN), the launcher, the tests and the benchmarks.
 */
export async function ensureServiceLogin(
  ownerUrl: string,
  login: string,
  password?: string,
): Promise<string> {
  if (!ROLE_NAME.test(login)) throw new Error(`not a plain role name: ${login}`);
  const secret = password ?? (decodeURIComponent(new URL(ownerUrl).password) || undefined);
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // Idempotent and race-safe: several hubs (test runs) may share the server.
    await client.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${login}') THEN
          CREATE ROLE ${login} LOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await client.query(
      `ALTER ROLE ${login} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD ${
        secret === undefined ? 'NULL' : client.escapeLiteral(secret)
      }`,
    );
    await client.query(`GRANT ${SERVICE_ROLE} TO ${login}`);
  } finally {
    await client.end();
  }
  return serviceDatabaseUrl(ownerUrl, login, secret);
}
