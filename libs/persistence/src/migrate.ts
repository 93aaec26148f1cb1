import 'reflect-metadata';
import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { HubServiceConfig, loadConfig } from '@hub/platform';
import { runMigrations } from './data-source';
import { ensureServiceLogin } from './service-role';

class MigrateConfig extends HubServiceConfig {
  /** The login role the services connect as: made a member of cosmo_hub_service after migrating. */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'DATABASE_SERVICE_LOGIN must be a plain role name' })
  DATABASE_SERVICE_LOGIN?: string;

  /** Its password (secret). */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'DATABASE_SERVICE_PASSWORD must be at least 16 characters' })
  DATABASE_SERVICE_PASSWORD?: string;
}

/**
 * `npm run migration:run`: applies pending migrations to DATABASE_URL, which must name the
 * schema's owner; with DATABASE_SERVICE_LOGIN, then makes that login role the services' one.
 */
async function main(): Promise<void> {
  const config = loadConfig(MigrateConfig);
  const applied = await runMigrations(config.DATABASE_URL);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  if (config.DATABASE_SERVICE_LOGIN) {
    await ensureServiceLogin(
      config.DATABASE_URL,
      config.DATABASE_SERVICE_LOGIN,
      config.DATABASE_SERVICE_PASSWORD,
    );
    process.stdout.write(`services connect as ${config.DATABASE_SERVICE_LOGIN}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
