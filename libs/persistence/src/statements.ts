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
 * bound, or know a LIMIT. Measured: a feed page with its cursor as `$2 IS NULL OR …` had a generic
 * plan that scanned the whole feed (4 ms against 0.13 ms); it now has one text per shape. Such
 * statements stay with `runStatement`, or run under `useIndexPlans`. Fails as TypeORM's own
 * `query` does (a QueryFailedError around the driver's error).
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

/**
 * For the rest of the transaction: plans walk indexes, never scan a table whole (sequential and
 * bitmap scans are priced out). For hot reads whose every step has an index and whose best plan is
 * an index walk whatever the table holds, but which PostgreSQL plans otherwise from what the table
 * held at planning time: the outbox read planned before a burst scanned every pending row for each
 * batch (76-130 ms against 1.4 ms). With `planOnce`, the transaction's prepared statements take
 * their generic plan, planned once per connection: only for statements without optional filters,
 * whose index walks are then the same plan for every value. The notifier's claim, planned
 * generically on an empty table and then serving 1,000 subscriptions, took 9.85 s a claim against
 * 26 ms; under these settings it is index walks from any start, and its planning (1.1-1.4 ms at
 * P7, most of its cost) is done once.
 */
export async function useIndexPlans(manager: EntityManager | QueryRunner, planOnce = false): Promise<void> {
  await runPrepared(manager, `SELECT ${INDEX_PLAN_SETTINGS}`, [indexPlanMode(planOnce)]);
}

/**
 * `useIndexPlans`'s settings as items of a select list, their plan cache mode as `$1`
 * (`indexPlanMode`): for a statement that does something else in the same round trip.
 */
export const INDEX_PLAN_SETTINGS =
  "set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), " +
  "set_config('plan_cache_mode', $1, true)";

export const indexPlanMode = (planOnce: boolean): string => (planOnce ? 'force_generic_plan' : 'auto');

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
