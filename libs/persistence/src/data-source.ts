import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { IntelligenceRecordEntity } from './entities/intelligence-record.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { OutboxEventEntity } from './entities/outbox-event.entity';
import { RecordVersionEntity } from './entities/record-version.entity';
import { StreamCredentialEntity } from './entities/stream-credential.entity';
import { CreateOrganizationsAndApiKeys1796000276696 } from './migrations/1796000276696-CreateOrganizationsAndApiKeys';
import { CreateIntelligenceRecords1796000276697 } from './migrations/1796000276697-CreateIntelligenceRecords';
import { CreateOutbox1796000276698 } from './migrations/1796000276698-CreateOutbox';
import { CreateSubscriptionsFeedsAndDeliveries1796001613255 } from './migrations/1796001613255-CreateSubscriptionsFeedsAndDeliveries';
import { CreateAuditTrail1796156681974 } from './migrations/1796156681974-CreateAuditTrail';
import { CreateStreamCredentials1796530837945 } from './migrations/1796530837945-CreateStreamCredentials';
import { PrepareSubscriptionReplay1796531426447 } from './migrations/1796531426447-PrepareSubscriptionReplay';
import { CancelledDeliveries1796700000000 } from './migrations/1796700000000-CancelledDeliveries';
import { SuspendOrganizations1796710000000 } from './migrations/1796710000000-SuspendOrganizations';
import { AuditClientRequestId1796712000000 } from './migrations/1796712000000-AuditClientRequestId';
import { CreateOperators1796712000001 } from './migrations/1796712000001-CreateOperators';
import { RecordExclusions1796713000000 } from './migrations/1796713000000-RecordExclusions';
import { ChainAuditTrail1796800000000 } from './migrations/1796800000000-ChainAuditTrail';
import { CreateServiceRole1796800000001 } from './migrations/1796800000001-CreateServiceRole';
import { PrepareRetention1796800000002 } from './migrations/1796800000002-PrepareRetention';
import { ApiKeyLifecycle1796820000000 } from './migrations/1796820000000-ApiKeyLifecycle';
import { ShardOutbox1796830000000 } from './migrations/1796830000000-ShardOutbox';
import { CreateOperations1796830000001 } from './migrations/1796830000001-CreateOperations';
import { CreateAlertFeedback1796830000002 } from './migrations/1796830000002-CreateAlertFeedback';
import { StampFeedEntriesInOrder1796840000000 } from './migrations/1796840000000-StampFeedEntriesInOrder';

export const HUB_ENTITIES = [
  OrganizationEntity,
  ApiKeyEntity,
  IntelligenceRecordEntity,
  RecordVersionEntity,
  OutboxEventEntity,
  StreamCredentialEntity,
];

/** In order; a new migration is appended here and never edited once released. */
export const HUB_MIGRATIONS = [
  CreateOrganizationsAndApiKeys1796000276696,
  CreateIntelligenceRecords1796000276697,
  CreateOutbox1796000276698,
  CreateSubscriptionsFeedsAndDeliveries1796001613255,
  CreateAuditTrail1796156681974,
  CreateStreamCredentials1796530837945,
  PrepareSubscriptionReplay1796531426447,
  CancelledDeliveries1796700000000,
  SuspendOrganizations1796710000000,
  AuditClientRequestId1796712000000,
  CreateOperators1796712000001,
  RecordExclusions1796713000000,
  ChainAuditTrail1796800000000,
  CreateServiceRole1796800000001,
  PrepareRetention1796800000002,
  ApiKeyLifecycle1796820000000,
  ShardOutbox1796830000000,
  CreateOperations1796830000001,
  CreateAlertFeedback1796830000002,
  StampFeedEntriesInOrder1796840000000,
];

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /**
   * Longest a statement may run, and a transaction may sit idle, before PostgreSQL cancels it
   * (0: no limit). A stuck transaction would otherwise hold back every reader of the outbox,
   * the feeds and the audit trail, which read below the oldest running transaction.
   */
  statementTimeoutMs?: number;
  /** Whether record writes wake the relay with NOTIFY at commit (default true); without it the relay polls. */
  outboxNotify?: boolean;
  /**
   * How long a process remembers an authenticated API key (default 5000 ms; 0: never): the bound
   * on how late a revocation made through another process takes effect in this one.
   */
  apiKeyCacheMs?: number;
  /** Shards of the outbox (OUTBOX_SHARDS, default DEFAULT_OUTBOX_SHARDS): the writer stamps each row with its key's shard. */
  outboxShards?: number;
}

/** The one set of TypeORM options, used by the services, the migration command and the tests. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: HUB_ENTITIES,
    migrations: HUB_MIGRATIONS,
    migrationsTableName: 'hub_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: settings.applicationName ?? 'cosmo-hub',
    extra: {
      max: settings.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      onConnect: keepErrorsHandled,
      ...(settings.statementTimeoutMs
        ? {
            statement_timeout: settings.statementTimeoutMs,
            idle_in_transaction_session_timeout: settings.statementTimeoutMs,
          }
        : {}),
    },
  };
}

/**
 * pg-pool drops its own 'error' listener while it hands a new connection over, and TypeORM adds
 * its own a moment later: a connection cut in between (pg_terminate_backend, a failover) emitted
 * an 'error' nobody listened to, which kills the process. With this listener for the
 * connection's whole life the cut only fails the queries that were using it, and the pool
 * throws the broken connection away when it is released.
 */
function keepErrorsHandled(client: { on(event: 'error', listener: (error: Error) => void): unknown }): void {
  client.on('error', () => undefined);
}

/** Applies pending migrations; returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource({
    ...dataSourceOptions({ url, poolSize: 2, applicationName: 'cosmo-hub-migrate' }),
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
