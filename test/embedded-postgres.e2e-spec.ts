import { mkdtempSync, rmSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { resolveHubDatabase } from '../apps/launcher/src/hub-database';
import { runMigrations } from '@hub/persistence';

/** `npm run hub` on a machine without PostgreSQL: the launcher's embedded fallback is a real server. */
describe('the embedded PostgreSQL fallback', () => {
  const saved = { ...process.env };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-embedded-'));

  afterAll(() => {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('initialises, starts, takes the migrations and answers queries', async () => {
    // As root, PostgreSQL runs as the postgres user, which must own its data directory.
    chmodSync(dataDir, 0o777);
    Object.assign(process.env, {
      HUB_EMBEDDED_POSTGRES: 'true',
      HUB_EMBEDDED_POSTGRES_DIR: path.join(dataDir, 'data'),
      HUB_EMBEDDED_POSTGRES_PORT: '5439',
    });
    const lines: string[] = [];
    const database = await resolveHubDatabase((line) => lines.push(line));
    try {
      expect(database.kind).toBe('embedded');
      expect(lines.join('\n')).toContain('embedded PostgreSQL ready on 127.0.0.1:5439');
      const applied = await runMigrations(database.url);
      expect(applied.length).toBeGreaterThanOrEqual(4);
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const tables = await client.query<{ name: string }>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        );
        expect(tables.rows.map((row) => row.name)).toEqual(
          expect.arrayContaining(['intelligence_records', 'outbox_events']),
        );
      } finally {
        await client.end();
      }
    } finally {
      await database.stop();
    }
  });
});
