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
import { OutboxRelay } from './outbox-relay.service';
import { RelayConfig } from './relay.config';

@Module({
  imports: [
    HubConfigModule.forRoot(RelayConfig),
    PersistenceModule.forRoot(() => {
      const config = loadConfig(RelayConfig);
      return {
        url: config.DATABASE_URL,
        poolSize: 3,
        applicationName: 'cosmo-hub-relay',
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      };
    }),
    KafkaModule.forRoot(
      () => {
        const config = loadConfig(RelayConfig);
        return {
          brokers: kafkaBrokerList(config),
          clientId: config.INSTANCE_ID ?? 'cosmo-hub-relay',
          ...kafkaSecurity(config, {
            prefix: 'RELAY',
            username: config.RELAY_KAFKA_SASL_USERNAME,
            password: config.RELAY_KAFKA_SASL_PASSWORD,
          }),
        };
      },
      { awaitBrokers: true },
    ),
    ObservabilityModule.forService('relay'),
  ],
  controllers: [ObservabilityController],
  providers: [OutboxRelay, healthIndicators(DatabaseHealthIndicator, KafkaHealthIndicator, OutboxRelay)],
})
export class RelayModule {}
