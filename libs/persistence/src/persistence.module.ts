import { type DynamicModule, type InjectionToken, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, type DatabaseSettings } from './data-source';
import { AuditChain } from './audit/audit-chain';
import { AuditTrail } from './audit/audit-trail';
import { DatabaseHealthIndicator } from './database-health.indicator';
import { DeliveryClaims } from './deliveries/delivery-claims';
import { DeliveryLog } from './deliveries/delivery-log';
import { DeliveryOutcomes } from './deliveries/delivery-outcomes';
import {
  API_KEY_CACHE_MS,
  DEFAULT_API_KEY_CACHE_MS,
  OrganizationDirectory,
} from './organizations/organization-directory';
import { OutboxWakeup } from './outbox/outbox-wakeup';
import { OutboxReader } from './outbox/outbox-reader';
import { DEFAULT_OUTBOX_SHARDS, OUTBOX_SHARDS } from './outbox/outbox-shards';
import { RecordLedger } from './records/record-ledger';
import { AlertFeedbackStore } from './feedback/alert-feedback-store';
import { EscalationStore } from './feedback/escalation-store';
import { RecordListing } from './records/record-listing';
import { FeedStore } from './feeds/feed-store';
import { SubscriptionStore } from './subscriptions/subscription-store';
import { RetentionSweep } from './retention/retention-sweep';
import { StreamCredentialRegistry } from './stream-credentials/stream-credential-registry';
import { OperatorRoster } from './operators/operator-roster';
import { OperationRegistry } from './operations/operation-registry';

/**
 * TypeORM on PostgreSQL with the hub's stores. Migrations are run by the launcher or `npm run migration:run`.
 * `settings` receives the `inject` providers (e.g. the service's configuration, read once).
 */
@Module({})
export class PersistenceModule {
  static forRoot<D extends unknown[]>(
    settings: (...dependencies: D) => DatabaseSettings,
    inject: InjectionToken[] = [],
  ): DynamicModule {
    const stores = [
      OrganizationDirectory,
      RecordLedger,
      RecordListing,
      OutboxReader,
      DatabaseHealthIndicator,
      SubscriptionStore,
      FeedStore,
      DeliveryClaims,
      DeliveryOutcomes,
      DeliveryLog,
      AuditTrail,
      AuditChain,
      RetentionSweep,
      StreamCredentialRegistry,
      OperatorRoster,
      OperationRegistry,
      AlertFeedbackStore,
      EscalationStore,
    ];
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: (...dependencies: D) => dataSourceOptions(settings(...dependencies)),
          inject,
        }),
      ],
      providers: [
        ...stores,
        {
          provide: API_KEY_CACHE_MS,
          useFactory: (...dependencies: D) =>
            settings(...dependencies).apiKeyCacheMs ?? DEFAULT_API_KEY_CACHE_MS,
          inject,
        },
        {
          provide: OUTBOX_SHARDS,
          useFactory: (...dependencies: D) => settings(...dependencies).outboxShards ?? DEFAULT_OUTBOX_SHARDS,
          inject,
        },
        {
          provide: OutboxWakeup,
          useFactory: (...dependencies: D) => {
            const { url, outboxNotify } = settings(...dependencies);
            return new OutboxWakeup(url, outboxNotify ?? true);
          },
          inject,
        },
      ],
      exports: [...stores, OutboxWakeup, OUTBOX_SHARDS],
    };
  }
}
