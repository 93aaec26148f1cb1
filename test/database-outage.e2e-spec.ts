import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@hub/persistence';
import { api, expectEventually, type RunningService, startRelay, withDatabase } from './support/hub-harness';

const CUT_FOR_MS = 8000;
const APPLICATION_NAME = 'cosmo-hub-outage-test';

/**
 * The hub's connection pool while its database connections are cut again and again
 * (pg_terminate_backend, as a failover or an operator would): queries fail, but the
 * process must not die, and once the cuts stop the pool works again.
 */
describe('cutting the database connections', () => {
  it('fails queries meanwhile but never crashes the service, and then works again', async () => {
    const dataSource = new DataSource(
      dataSourceOptions({ url: process.env.DATABASE_URL!, poolSize: 10, applicationName: APPLICATION_NAME }),
    );
    await dataSource.initialize();
    let stop = false;
    const outcomes = { ok: 0, failed: 0 };
    // Short transactions and single queries, as the gateway runs them, each on a pooled connection.
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          await dataSource.transaction(async (manager) => {
            await manager.query('SELECT 1');
            await manager.query('SELECT pg_sleep(0.001)');
          });
          await dataSource.query('SELECT 1');
          outcomes.ok += 1;
        } catch {
          outcomes.failed += 1;
        }
      }
    };
    const workers = Array.from({ length: 12 }, worker);
    try {
      await withDatabase(async (client) => {
        const until = Date.now() + CUT_FOR_MS;
        while (Date.now() < until) {
          await client.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
            [APPLICATION_NAME],
          );
        }
      });
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    expect(outcomes.failed).toBeGreaterThan(0);
    await expect(dataSource.query('SELECT 1 AS up')).resolves.toEqual([{ up: 1 }]);
    await dataSource.destroy();
  });

  it('leaves two relays sharing the outbox healthy again once the cuts stop, with nothing to publish', async () => {
    const relays: RunningService[] = [await startRelay(), await startRelay()];
    try {
      await withDatabase(async (client) => {
        const until = Date.now() + CUT_FOR_MS;
        while (Date.now() < until) {
          await client.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name LIKE 'cosmo-hub-relay%'`,
          );
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      // Polling relays met the cuts (their shard leases with them): neither may stay degraded.
      for (const relay of relays)
        await expectEventually(
          async () => expect((await api(relay.url, 'GET', '/health')).status).toBe(200),
          30_000,
          250,
        );
    } finally {
      for (const relay of relays) await relay.close();
    }
  });
});
