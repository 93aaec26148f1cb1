import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, type EntityManager, QueryFailedError, type QueryRunner } from 'typeorm';

/** Where a statement runs: a runner or entity manager's connection (its transaction), or the pool. */
export type StatementTarget = DataSource | EntityManager | QueryRunner;

/**
 * Runs one statement on the runner or manager's connection (inside its transaction), or on a
 * pooled connection of the data source, released after it.
 */
export async function runStatement<T = unknown>(
  on: StatementTarget,
  sql: string,
  parameters: unknown[] = [],
): Promise<{ rows: T[]; affected: number }> {
  return withRunner(on, async (runner) => {
    const result = await runner.query(sql, parameters, true);
    return { rows: (result.records ?? []) as T[], affected: result.affected ?? 0 };
  });
}

/**
 * Runs one statement as a named prepared statement: its connection parses it once and, after a few
 * runs, plans it once. The hot statements (a batch of matches, of submissions, of outcomes) are
 * long CTEs that PostgreSQL spends about as long parsing and planning as running.
 *
 * Only for statements whose text is fixed and whose best plan does not depend on the values
 * passed: a generic plan cannot drop an optional filter (`$2 IS NULL OR …`), size a range from its
 * bound, or know a LIMIT. Measured: a feed page's generic plan scans the whole feed (4 ms against
 * 0.13 ms), and the notifier's claim, whose planning is most of its cost (1.9 of 3.1 ms at P7),
 * fell from 2,771 to about 200 deliveries/s at P11 (1,000 subscriptions) with its generic plan.
 * Those stay with `runStatement`. Fails as TypeORM's own `query` does (a QueryFailedError around
 * the driver's error).
 */
export async function runPrepared<T = unknown>(
  on: StatementTarget,
  sql: string,
  parameters: unknown[] = [],
): Promise<{ rows: T[]; affected: number }> {
  return withRunner(on, async (runner) => {
    const client = (await runner.connect()) as PoolClient;
    try {
      const result = await client.query<T & Record<string, unknown>>({
        name: preparedStatementName(sql),
        text: sql,
        values: parameters,
      });
      return { rows: result.rows, affected: result.rowCount ?? 0 };
    } catch (error) {
      throw new QueryFailedError(sql, parameters, error as Error);
    }
  });
}

/** `runPrepared`'s rows alone, in place of `manager.query` for a SELECT or a statement with RETURNING. */
export async function queryPrepared<T = unknown>(
  on: StatementTarget,
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  return (await runPrepared<T>(on, sql, parameters)).rows;
}

const names = new Map<string, string>();

/** A prepared statement's name, from its text: one text is one statement on a connection. */
export function preparedStatementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `hub_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

async function withRunner<R>(on: StatementTarget, work: (runner: QueryRunner) => Promise<R>): Promise<R> {
  const own = on instanceof DataSource ? undefined : isQueryRunner(on) ? on : on.queryRunner;
  const runner = own ?? (on instanceof DataSource ? on : on.dataSource).createQueryRunner();
  try {
    return await work(runner);
  } finally {
    if (!own) await runner.release();
  }
}

function isQueryRunner(on: EntityManager | QueryRunner): on is QueryRunner {
  return 'manager' in on;
}
