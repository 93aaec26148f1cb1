import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { KafkaHealthIndicator, KafkaModule } from '@hub/messaging';
import { DatabaseHealthIndicator, PersistenceModule } from '@hub/persistence';
import {
  healthIndicators,
  READINESS_INDICATORS,
  ReadyFileIndicator,
  HubConfigModule,
  kafkaBrokerList,
  kafkaSecurity,
  loadConfig,
  ObservabilityController,
  ObservabilityModule,
} from '@hub/platform';
import { OrganizationsController } from './admin/organizations.controller';
import { OrganizationsService } from './admin/organizations.service';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { RefusalAudit } from './audit/refusal-audit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { GatewayConfig } from './gateway.config';
import { ContractDocumentsController } from './openapi/contract-documents.controller';
import { rateLimitOptions, RateLimitGuard } from './rate-limit/rate-limit.guard';
import { AlertsController, SeizuresController } from './records/records.controller';
import { RecordsService } from './records/records.service';
import { FeedWaiter } from './subscriptions/feed-waiter';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { streamAccessProvider } from './stream-credentials/stream-access.provider';
import { StreamCredentialsController } from './stream-credentials/stream-credentials.controller';
import { StreamCredentialsService } from './stream-credentials/stream-credentials.service';
import { SubscriptionsService } from './subscriptions/subscriptions.service';
import { StixExtensionController } from './taxii/stix-extension.controller';
import { TaxiiController } from './taxii/taxii.controller';
import { TaxiiService } from './taxii/taxii.service';

@Module({
  imports: [
    HubConfigModule.forRoot(GatewayConfig),
    PersistenceModule.forRoot(() => {
      const config = loadConfig(GatewayConfig);
      return {
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        applicationName: 'cosmo-hub-gateway',
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
        outboxNotify: config.OUTBOX_NOTIFY,
        apiKeyCacheMs: config.API_KEY_CACHE_MS,
      };
    }),
    KafkaModule.forRoot(() => {
      const config = loadConfig(GatewayConfig);
      return {
        brokers: kafkaBrokerList(config),
        clientId: config.INSTANCE_ID ?? 'cosmo-hub-gateway',
        ...kafkaSecurity(config, {
          prefix: 'GATEWAY',
          username: config.GATEWAY_KAFKA_SASL_USERNAME,
          password: config.GATEWAY_KAFKA_SASL_PASSWORD,
        }),
      };
    }),
    ObservabilityModule.forService('gateway'),
    ThrottlerModule.forRootAsync({ useFactory: () => rateLimitOptions(loadConfig(GatewayConfig)) }),
  ],
  controllers: [
    ObservabilityController,
    ContractDocumentsController,
    OrganizationsController,
    StreamCredentialsController,
    AlertsController,
    SeizuresController,
    SubscriptionsController,
    AuditController,
    TaxiiController,
    StixExtensionController,
  ],
  providers: [
    OrganizationsService,
    StreamCredentialsService,
    streamAccessProvider,
    RecordsService,
    SubscriptionsService,
    FeedWaiter,
    AuditService,
    TaxiiService,
    RefusalAudit,
    healthIndicators(DatabaseHealthIndicator, KafkaHealthIndicator),
    {
      provide: READINESS_INDICATORS,
      useFactory: (config: GatewayConfig) => [new ReadyFileIndicator(config.HUB_READY_FILE)],
      inject: [GatewayConfig],
    },
    // In this order: identify the caller, then spend its budget (and refuse bad credentials).
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class GatewayModule {}
