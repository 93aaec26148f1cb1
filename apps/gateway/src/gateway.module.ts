import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ReadyFileIndicator } from '@hub/platform';
import { HubServiceModule } from '@hub/service';
import { OrganizationChangeListener } from './admin/organization-change-listener';
import { OperatorsController } from './admin/operators.controller';
import { OperationReportController } from './operations/operation-report.controller';
import { OperationReportService } from './operations/operation-report.service';
import { OperationsController } from './operations/operations.controller';
import { OperationsService } from './operations/operations.service';
import { OperatorsService } from './admin/operators.service';
import { OrganizationsController } from './admin/organizations.controller';
import { OrganizationsService } from './admin/organizations.service';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { RefusalAudit } from './audit/refusal-audit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { GatewayConfig } from './gateway.config';
import { ContractDocumentsController } from './openapi/contract-documents.controller';
import {
  RateLimitCounters,
  RateLimitCountersModule,
  RateLimitHealthIndicator,
} from './rate-limit/rate-limit-counters';
import { rateLimitOptions, RateLimitGuard } from './rate-limit/rate-limit.guard';
import { AlertsController, SeizuresController } from './records/records.controller';
import { RecordsService } from './records/records.service';
import { FeedbackController } from './feedback/feedback.controller';
import { FeedbackService } from './feedback/feedback.service';
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
    HubServiceModule.forService({
      name: 'gateway',
      config: GatewayConfig,
      database: (config) => ({ outboxNotify: config.OUTBOX_NOTIFY, apiKeyCacheMs: config.API_KEY_CACHE_MS }),
      readiness: (config) => [new ReadyFileIndicator(config.HUB_READY_FILE)],
      health: [RateLimitHealthIndicator],
    }),
    RateLimitCountersModule,
    ThrottlerModule.forRootAsync({
      useFactory: (config: GatewayConfig, counters: RateLimitCounters) =>
        rateLimitOptions(config, counters.storage),
      inject: [GatewayConfig, RateLimitCounters],
    }),
  ],
  controllers: [
    ContractDocumentsController,
    OrganizationsController,
    OperatorsController,
    StreamCredentialsController,
    AlertsController,
    SeizuresController,
    SubscriptionsController,
    OperationsController,
    OperationReportController,
    AuditController,
    TaxiiController,
    StixExtensionController,
    FeedbackController,
  ],
  providers: [
    OrganizationsService,
    OrganizationChangeListener,
    OperatorsService,
    StreamCredentialsService,
    streamAccessProvider,
    RecordsService,
    FeedbackService,
    SubscriptionsService,
    OperationsService,
    OperationReportService,
    FeedWaiter,
    AuditService,
    TaxiiService,
    RefusalAudit,
    // In this order: identify the caller, then spend its budget (and refuse bad credentials).
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class GatewayModule {}
