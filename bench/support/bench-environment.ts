import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { ensureServiceLogin, runMigrations } from '@hub/persistence';
import { HubServiceConfig, type KafkaSecurity, kafkaSecurity, loadConfig } from '@hub/platform';
import { KAFKA_VERSION } from '../../apps/launcher/src/kafka-broker';
import { BenchBroker } from './bench-broker';

/** Where everything the benchmarks start lives: a broker of their own, one PostgreSQL server, loopback ports. */
export interface BenchEnvironment {
  brokers: string[];
  /** The broker the benchmarks started (stopped at the end), or null for KAFKA_BROKERS' cluster. */
  broker: BenchBroker | null;
  kafkaVersion: string;
  /**
   * How the benchmarks' own clients (fillers, observers) connect: as the broker's bootstrap admin,
   * or with the KAFKA_SASL_* / KAFKA_SSL* settings given for KAFKA_BROKERS' cluster.
   */
  kafkaSecurity: KafkaSecurity;
  /** Server-level connection (database `postgres`) used to create the benchmark databases. */
  adminUrl: string;
  databaseName: string;
  adminToken: string;
  secretKey: string;
  /** HUB_EVENT_SIGNING_KEY of the relay and the routers. */
  eventSigningKey: string;
  /** The repository root and the compiled tree the services run from. */
  repoRoot: string;
  distRoot: string;
  /** Service logs (git-ignored). */
  logDir: string;
}

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The gateway's request limits are raised out of the way: the benchmarks measure the hub's
 * work, not its refusals (harmless before rate limiting exists).
 */
export const UNLIMITED_RATES: Record<string, string> = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
  RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
};

export async function prepareEnvironment(log: (line: string) => void): Promise<BenchEnvironment> {
  const distRoot = path.resolve(__dirname, '..', '..');
  const repoRoot = path.resolve(distRoot, '..');
  const external = process.env.KAFKA_BROKERS?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  const broker = external?.length ? null : await BenchBroker.start(repoRoot, distRoot, log);
  const logDir = path.join(repoRoot, '.cache', 'bench', 'logs');
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  return {
    brokers: broker?.brokers ?? external!,
    broker,
    kafkaVersion: broker ? KAFKA_VERSION : 'external cluster (KAFKA_BROKERS)',
    kafkaSecurity: broker?.credentials
      ? { sasl: broker.credentials.admin }
      : kafkaSecurity(loadConfig(HubServiceConfig)),
    adminUrl: process.env.BENCH_DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_URL,
    databaseName: process.env.BENCH_DATABASE_NAME ?? 'cosmo_hub_bench',
    adminToken: randomBytes(24).toString('base64url'),
    secretKey: randomBytes(32).toString('base64'),
    eventSigningKey: randomBytes(32).toString('base64'),
    repoRoot,
    distRoot,
    logDir,
  };
}

function databaseUrl(environment: BenchEnvironment, database: string): string {
  const url = new URL(environment.adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops and recreates a database; returns its URL. */
export async function emptyDatabase(environment: BenchEnvironment, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const admin = new Client({ connectionString: environment.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(environment, database);
}

/**
 * A fresh, migrated hub database for one scenario: no rows left by another scenario. Returns the
 * owner's URL (the scenario's own tables and checks); the services get serviceDatabaseUrl's.
 */
export async function freshHubDatabase(environment: BenchEnvironment): Promise<string> {
  const url = await emptyDatabase(environment, environment.databaseName);
  await runMigrations(url);
  await ensureServiceLogin(url, benchServiceLogin(environment));
  return url;
}

/** The login the benchmarked services connect as, a member of cosmo_hub_service (one per benchmark database). */
export const benchServiceLogin = (environment: BenchEnvironment): string =>
  `${environment.databaseName}_service`;

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export { freePort, freePortPair } from './ports';

/** The server processes of the database's current connections (its backends), for CPU shares. */
export async function databaseBackendPids(databaseUrl: string): Promise<number[]> {
  return withClient(databaseUrl, async (client) =>
    (
      await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows.map((row) => row.pid),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` answers true, or fails after the timeout naming what was awaited. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
