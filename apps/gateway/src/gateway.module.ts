import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { KafkaHealthIndicator, KafkaModule } from '@hub/messaging';
import { DatabaseHealthIndicator, PersistenceModule } from '@hub/persistence';
import { HubConfigModule, kafkaBrokerList, loadConfig, ObservabilityModule } from '@hub/platform';
import { OrganizationsController } from './admin/organizations.controller';
import { OrganizationsService } from './admin/organizations.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { GatewayConfig } from './gateway.config';
import { AlertsController, SeizuresController } from './records/records.controller';
import { RecordsService } from './records/records.service';

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
    ObservabilityModule.forService({
      service: 'gateway',
      indicators: [DatabaseHealthIndicator, KafkaHealthIndicator],
    }),
  ],
  controllers: [OrganizationsController, AlertsController, SeizuresController],
  providers: [OrganizationsService, RecordsService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class GatewayModule {}
