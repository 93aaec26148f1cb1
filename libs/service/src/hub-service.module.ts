import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { type HubService, KafkaHealthIndicator, KafkaModule } from '@hub/messaging';
import { DatabaseHealthIndicator, type DatabaseSettings, PersistenceModule } from '@hub/persistence';
import {
  type HealthIndicator,
  healthIndicators,
  loadConfig,
  ObservabilityController,
  ObservabilityModule,
  READINESS_INDICATORS,
} from '@hub/platform';
import { databaseSettings, kafkaSettings, type ServiceConfig } from './service-settings';

export interface HubServiceDefinition<S extends HubService, C extends ServiceConfig<S>> {
  name: S;
  /** The service's configuration class: validated once, then injected under this class. */
  config: Type<C>;
  /** Database settings beyond the pool every service gets (e.g. the gateway's outbox NOTIFY). */
  database?: (config: C) => Partial<DatabaseSettings>;
  /**
   * Start only once the brokers answer: for the services that can do nothing without them. The
   * gateway takes records with the broker down, so it does not wait.
   */
  awaitBrokers?: boolean;
  /** The service's own providers (its workers), beside what every service gets. */
  providers?: Provider[];
  /** Providers reported at /health beside the database and Kafka (e.g. the relay's lease and backlog). */
  health?: Type<HealthIndicator>[];
  /** What /health/ready also waits for (e.g. the launcher's ready file). */
  readiness?: (config: C) => HealthIndicator[];
}

/** The service's configuration, validated once and injectable everywhere in the service under its class. */
@Module({})
class ServiceConfigModule {
  static of<C extends object>(schema: Type<C>): DynamicModule {
    return {
      module: ServiceConfigModule,
      global: true,
      providers: [{ provide: schema, useFactory: () => loadConfig(schema) }],
      exports: [schema],
    };
  }
}

/**
 * What every hub service is built on: its configuration (read once, injected under its class),
 * its database pool and stores, its Kafka client as its own principal, its metrics, and
 * /health, /health/ready, /health/live and /metrics. An app module imports this and adds its
 * domain: `HubServiceModule.forService({ name: 'relay', config: RelayConfig, providers: [OutboxRelay], … })`.
 */
@Module({})
export class HubServiceModule {
  static forService<S extends HubService, C extends ServiceConfig<S>>(
    definition: HubServiceDefinition<S, C>,
  ): DynamicModule {
    const { name, config: schema } = definition;
    const health = definition.health ?? [];
    const providers: Provider[] = [
      // A health indicator is one of the service's providers; listed once either way.
      ...new Set([...(definition.providers ?? []), ...health]),
      healthIndicators(DatabaseHealthIndicator, KafkaHealthIndicator, ...health),
    ];
    if (definition.readiness)
      providers.push({ provide: READINESS_INDICATORS, useFactory: definition.readiness, inject: [schema] });
    // Not global, unlike the configuration, the database and Kafka: Nest stops a global module's
    // providers last, and the workers must stop before the pool and the client they use.
    return {
      module: HubServiceModule,
      imports: [
        ServiceConfigModule.of(schema),
        PersistenceModule.forRoot(
          (config: C) => ({ ...databaseSettings(name, config), ...definition.database?.(config) }),
          [schema],
        ),
        KafkaModule.forRoot((config: C) => kafkaSettings(name, config), {
          awaitBrokers: definition.awaitBrokers ?? false,
          inject: [schema],
        }),
        ObservabilityModule.forService(name),
      ],
      controllers: [ObservabilityController],
      providers,
    };
  }
}
