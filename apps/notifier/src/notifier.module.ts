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
import { WebhookDispatcher } from './delivery/webhook-dispatcher.service';
import { NotifierConfig } from './notifier.config';

@Module({
  imports: [
    HubConfigModule.forRoot(NotifierConfig),
    PersistenceModule.forRoot(() => {
      const config = loadConfig(NotifierConfig);
      return {
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        applicationName: 'cosmo-hub-notifier',
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      };
    }),
    KafkaModule.forRoot(
      () => {
        const config = loadConfig(NotifierConfig);
        return {
          brokers: kafkaBrokerList(config),
          clientId: config.INSTANCE_ID ?? 'cosmo-hub-notifier',
          ...kafkaSecurity(config, {
            prefix: 'NOTIFIER',
            username: config.NOTIFIER_KAFKA_SASL_USERNAME,
            password: config.NOTIFIER_KAFKA_SASL_PASSWORD,
          }),
        };
      },
      { awaitBrokers: true },
    ),
    ObservabilityModule.forService('notifier'),
  ],
  controllers: [ObservabilityController],
  providers: [
    WebhookDispatcher,
    healthIndicators(DatabaseHealthIndicator, KafkaHealthIndicator, WebhookDispatcher),
  ],
})
export class NotifierModule {}
