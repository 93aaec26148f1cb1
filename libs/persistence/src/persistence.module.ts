import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source';
import { DatabaseHealthIndicator } from './database-health.indicator';
import { OrganizationDirectory } from './organizations/organization-directory';
import { OutboxReader } from './outbox/outbox-reader';
import { RecordLedger } from './records/record-ledger';
import { RecordListing } from './records/record-listing';

/** TypeORM on PostgreSQL with the hub's stores. Migrations are run by the launcher or `npm run migration:run`. */
@Module({})
export class PersistenceModule {
  static forRoot(settings: () => DatabaseSettings): DynamicModule {
    const stores = [
      OrganizationDirectory,
      RecordLedger,
      RecordListing,
      OutboxReader,
      DatabaseHealthIndicator,
    ];
    return {
      module: PersistenceModule,
      global: true,
      imports: [TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(settings()) })],
      providers: stores,
      exports: stores,
    };
  }
}
