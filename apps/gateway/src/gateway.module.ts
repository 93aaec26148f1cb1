import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { KafkaHealthIndicator, KafkaModule } from '@hub/messaging';
import { DatabaseHealthIndicator, PersistenceModule } from '@hub/persistence';
import {
  healthIndicators,
  HubConfigModule,
  kafkaBrokerList,
  loadConfig,
  ObservabilityController,
  ObservabilityModule,
} from '@hub/platform';
import { OrganizationsController } from './admin/organizations.controller';
import { OrganizationsService } from './admin/organizations.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { GatewayConfig } from './gateway.config';
import { AlertsController, SeizuresController } from './records/records.controller';
import { RecordsService } from './records/records.service';
import { FeedWaiter } from './subscriptions/feed-waiter';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsService } from './subscriptions/subscriptions.service';

@Module({
  imports: [
    HubConfigModule.forRoot(GatewayConfig),
    PersistenceModule.forRoot(() => {
      const config = loadConfig(GatewayConfig);
      return {
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        applicationName: 'cosmo-hub-gateway',
      };
    }),
    KafkaModule.forRoot(() => {
      const config = loadConfig(GatewayConfig);
      return { brokers: kafkaBrokerList(config), clientId: config.INSTANCE_ID ?? 'cosmo-hub-gateway' };
    }),
    ObservabilityModule.forService('gateway'),
  ],
  controllers: [
    ObservabilityController,
    OrganizationsController,
    AlertsController,
    SeizuresController,
    SubscriptionsController,
  ],
  providers: [
    OrganizationsService,
    RecordsService,
    SubscriptionsService,
    FeedWaiter,
    healthIndicators(DatabaseHealthIndicator, KafkaHealthIndicator),
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
})
export class GatewayModule {}
