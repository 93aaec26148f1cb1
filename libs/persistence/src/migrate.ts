import 'reflect-metadata';
import { HubServiceConfig, loadConfig } from '@hub/platform';
import { runMigrations } from './data-source';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL. */
async function main(): Promise<void> {
  const config = loadConfig(HubServiceConfig);
  const applied = await runMigrations(config.DATABASE_URL);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
