import '../support/hub-aliases';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { buildCloudEvent, EVENT_TYPES } from '@hub/contracts';
import { dataSourceOptions, type FeedMatch } from '@hub/persistence';
import { standardPublishedAlert } from '../support/fixtures';
import { prepareTestDatabase, TEST_DATABASE } from '../support/test-database';

/**
 * The store tests' PostgreSQL: one migrated database per spec file (so a file's outbox and
 * deliveries are its own), no broker and no Nest application. The stores read "below the oldest
 * running transaction", which is cluster-wide: another process's open transaction may hold a row
 * back for a moment, so reads that must see committed rows retry briefly (`eventually`).
 */
export interface StoreDatabase {
  dataSource: DataSource;
  url: string;
  /** The schema owner's URL. */
  ownerUrl: string;
  /** A second connection with a transaction left open: what holds rows back. */
  openTransaction(): Promise<OpenTransaction>;
  close(): Promise<void>;
}

export interface OpenTransaction {
  query<R = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<R[]>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export async function openStoreDatabase(file: string): Promise<StoreDatabase> {
  // The stores run as the services do: the service login.
  const { url, ownerUrl } = await prepareTestDatabase(() => undefined, `${TEST_DATABASE}_store_${file}`);
  const dataSource = new DataSource(
    dataSourceOptions({ url, poolSize: 4, applicationName: `store-${file}` }),
  );
  await dataSource.initialize();
  const clients = new Set<Client>();
  return {
    dataSource,
    url,
    ownerUrl,
    openTransaction: async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      clients.add(client);
      await client.query('BEGIN');
      // An xid now, not at the first write: the transaction holds the snapshot's xmin from here on.
      await client.query('SELECT pg_current_xact_id()');
      const end = async (statement: string): Promise<void> => {
        await client.query(statement);
        clients.delete(client);
        await client.end();
      };
      return {
        query: async <R>(sql: string, parameters: unknown[] = []) =>
          (await client.query(sql, parameters)).rows as R[],
        commit: () => end('COMMIT'),
        rollback: () => end('ROLLBACK'),
      };
    },
    close: async () => {
      await Promise.all([...clients].map((client) => client.end()));
      await dataSource.destroy();
    },
  };
}

/** Retries an assertion until it passes (rows held back by another process's transaction appear within moments). */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface SeededOrganization {
  id: string;
  code: string;
}

/** An organization row, as the admin API would register it. */
export async function seedOrganization(
  dataSource: DataSource,
  profile: { kind?: 'member' | 'rilo' | 'partner' | 'secretariat'; country?: string; region?: string } = {},
): Promise<SeededOrganization> {
  const kind = profile.kind ?? 'member';
  const code = `${kind}-${randomUUID().slice(0, 8)}`;
  const [row] = await dataSource.query<{ id: string }[]>(
    'INSERT INTO organizations (code, name, kind, country, region) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [
      code,
      `Store test ${code}`,
      kind,
      profile.country ?? (kind === 'member' ? 'FR' : null),
      profile.region ?? (kind === 'rilo' ? 'europe' : null),
    ],
  );
  return { id: row.id, code };
}

export interface SeededSubscription {
  id: string;
  organization: SeededOrganization;
  webhook: boolean;
}

/** A subscription row (a webhook one with a placeholder sealed secret: the stores never open it). */
export async function seedSubscription(
  dataSource: DataSource,
  organization: SeededOrganization,
  delivery: 'pull' | 'webhook' = 'webhook',
): Promise<SeededSubscription> {
  const id = randomUUID();
  await dataSource.query(
    `INSERT INTO subscriptions (id, organization_id, organization_code, name, filter, delivery_type, webhook_url, secret_ciphertext)
     VALUES ($1, $2, $3, $4, '{}', $5, $6, $7)`,
    [
      id,
      organization.id,
      organization.code,
      `store test ${id.slice(0, 8)}`,
      delivery,
      delivery === 'webhook' ? 'https://receiver.example/hook' : null,
      delivery === 'webhook' ? 'sealed-secret' : null,
    ],
  );
  return { id, organization, webhook: delivery === 'webhook' };
}

/** What the router writes for one event matched by one subscription. */
export function feedMatch(
  subscription: SeededSubscription,
  event: { recordId?: string; recordVersion?: number; eventId?: string } = {},
): FeedMatch {
  const eventId = event.eventId ?? randomUUID();
  const recordId = event.recordId ?? randomUUID();
  const recordVersion = event.recordVersion ?? 1;
  const eventType = recordVersion === 1 ? EVENT_TYPES.alertPublished : EVENT_TYPES.alertUpdated;
  return {
    subscriptionId: subscription.id,
    webhook: subscription.webhook,
    eventId,
    recordId,
    recordVersion,
    eventType,
    event: buildCloudEvent({
      id: eventId,
      type: eventType,
      source: 'https://hub.example/organizations/fr-douane',
      time: new Date().toISOString(),
      record: standardPublishedAlert({ id: recordId, version: recordVersion }),
    }),
  };
}

/** A data source of one connection: the statements run through it share its prepared statements. */
export async function oneConnection(url: string, applicationName: string): Promise<DataSource> {
  const single = new DataSource(dataSourceOptions({ url, poolSize: 1, applicationName }));
  await single.initialize();
  return single;
}

export interface PreparedStatement {
  name: string;
  genericPlans: number;
  customPlans: number;
}

/** The connection's prepared statements whose text is LIKE `pattern`, shortest first, with their plan counts. */
export async function preparedStatements(single: DataSource, pattern: string): Promise<PreparedStatement[]> {
  const rows = await single.query<{ name: string; generic_plans: string; custom_plans: string }[]>(
    `SELECT name, generic_plans, custom_plans FROM pg_prepared_statements
      WHERE statement LIKE $1 ORDER BY length(statement)`,
    [pattern],
  );
  return rows.map((row) => ({
    name: row.name,
    genericPlans: Number(row.generic_plans),
    customPlans: Number(row.custom_plans),
  }));
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/**
 * The scans of `tables` without an index key in the generic plan of a prepared statement, run
 * with `execute`'s arguments (SQL literals) in a transaction that `settings` prepares: a scan
 * without a key walks the whole table for each run once it is full.
 */
export async function unkeyedScans(
  single: DataSource,
  executions: readonly { statement: PreparedStatement; execute: string }[],
  tables: readonly string[],
  settings: (manager: EntityManager) => Promise<unknown> = (manager) =>
    manager.query("SET LOCAL plan_cache_mode = 'force_generic_plan'"),
): Promise<string[]> {
  return single.transaction(async (manager) => {
    await settings(manager);
    const unkeyed: string[] = [];
    for (const { statement, execute } of executions) {
      const [row] = await manager.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
        `EXPLAIN (FORMAT JSON) EXECUTE ${statement.name}(${execute})`,
      );
      for (const node of planNodes(row['QUERY PLAN'][0].Plan))
        if (
          tables.includes(node['Relation Name'] ?? '') &&
          node['Node Type'] !== 'ModifyTable' &&
          node['Index Cond'] === undefined
        )
          unkeyed.push(`${node['Node Type']} on ${node['Relation Name']}`);
    }
    return unkeyed;
  });
}
