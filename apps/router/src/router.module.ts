import { Module } from '@nestjs/common';
import { KafkaHealthIndicator, KafkaModule } from '@hub/messaging';
import { DatabaseHealthIndicator, PersistenceModule } from '@hub/persistence';
import {
  healthIndicators,
  HubConfigModule,
  kafkaBrokerList,
  kafkaSecurity,
  loadConfig,
  ObservabilityController,
  ObservabilityModule,
} from '@hub/platform';
import { EventRouter } from './event-router.service';
import { RouterConfig } from './router.config';
import { SubscriptionDirectory } from './subscription-directory';

@Module({
  imports: [
    HubConfigModule.forRoot(RouterConfig),
    PersistenceModule.forRoot(() => {
      const config = loadConfig(RouterConfig);
      return {
        url: config.DATABASE_URL,
        poolSize: 4,
        applicationName: 'cosmo-hub-router',
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      };
    }),
    KafkaModule.forRoot(
      () => {
        const config = loadConfig(RouterConfig);
        return {
          brokers: kafkaBrokerList(config),
          clientId: config.INSTANCE_ID ?? 'cosmo-hub-router',
          ...kafkaSecurity(config, {
            prefix: 'ROUTER',
            username: config.ROUTER_KAFKA_SASL_USERNAME,
            password: config.ROUTER_KAFKA_SASL_PASSWORD,
          }),
        };
      },
      { awaitBrokers: true },
    ),
    ObservabilityModule.forService('router'),
  ],
  controllers: [ObservabilityController],
  providers: [
    SubscriptionDirectory,
    EventRouter,
    healthIndicators(DatabaseHealthIndicator, KafkaHealthIndicator, EventRouter),
  ],
})
export class RouterModule {}
