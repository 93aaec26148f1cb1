import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { preparedStatementName, queryPrepared, runPrepared } from '@hub/persistence';
import { openStoreDatabase, type StoreDatabase } from './store-database';

describe('prepared statements against PostgreSQL', () => {
  let db: StoreDatabase;

  beforeAll(async () => {
    db = await openStoreDatabase('prepared');
  });

  afterAll(() => db?.close());

  it('prepares a statement once per connection, named after its text, and runs it with new parameters', async () => {
    const sql = 'SELECT $1::int + 1 AS next';
    const name = preparedStatementName(sql);
    expect(preparedStatementName(sql)).toBe(name);
    expect(preparedStatementName(`${sql} `)).not.toBe(name);
    const runner = db.dataSource.createQueryRunner();
    try {
      expect(await queryPrepared(runner, sql, [1])).toEqual([{ next: 2 }]);
      expect(await queryPrepared(runner, sql, [41])).toEqual([{ next: 42 }]);
      const prepared = await runner.query(
        'SELECT name, statement FROM pg_prepared_statements WHERE name = $1',
        [name],
      );
      expect(prepared).toEqual([{ name, statement: sql }]);
    } finally {
      await runner.release();
    }
  });

  it("runs inside the manager's transaction: what it writes goes with its rollback", async () => {
    const code = `prepared-${randomUUID().slice(0, 8)}`;
    const insert = "INSERT INTO organizations (code, name, kind, country) VALUES ($1, $1, 'member', 'FR')";
    const count = 'SELECT count(*)::int AS n FROM organizations WHERE code = $1';
    await db.dataSource
      .transaction(async (manager) => {
        expect((await runPrepared(manager, insert, [code])).affected).toBe(1);
        expect(await queryPrepared(manager, count, [code])).toEqual([{ n: 1 }]);
        throw new Error('roll back');
      })
      .catch((error: unknown) => expect(String(error)).toContain('roll back'));
    expect(await queryPrepared(db.dataSource, count, [code])).toEqual([{ n: 0 }]);
  });

  it('fails as TypeORM does, with the driver error inside, and gives the pooled connection back', async () => {
    const failure = await queryPrepared(db.dataSource, 'SELECT 1 / $1::int', [0]).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('22012');
    // More failures than the pool holds connections: none is kept, the next statement still runs.
    for (let attempt = 0; attempt < 6; attempt += 1)
      await expect(queryPrepared(db.dataSource, 'SELECT 1 / $1::int', [0])).rejects.toBeInstanceOf(
        QueryFailedError,
      );
    expect(await queryPrepared(db.dataSource, 'SELECT $1::int AS n', [7])).toEqual([{ n: 7 }]);
  });
});
