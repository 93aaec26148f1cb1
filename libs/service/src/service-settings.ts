import type { HubService, KafkaSettings } from '@hub/messaging';
import type { DatabaseSettings } from '@hub/persistence';
import {
  type HubServiceConfig,
  kafkaBrokerList,
  type KafkaPrincipalVariables,
  kafkaSecurity,
  servicePrincipal,
} from '@hub/platform';

/** A service's configuration: the shared variables and its own Kafka principal (`withKafkaPrincipal`). */
export type ServiceConfig<S extends HubService> = HubServiceConfig & KafkaPrincipalVariables<Uppercase<S>>;

/** The prefix of a service's own variables, e.g. `RELAY` for `RELAY_KAFKA_SASL_USERNAME`. */
export const variablePrefix = <S extends HubService>(service: S): Uppercase<S> =>
  service.toUpperCase() as Uppercase<S>;

/** The service's database pool, from its configuration (DATABASE_POOL_SIZE, its class's default). */
export function databaseSettings(service: HubService, config: HubServiceConfig): DatabaseSettings {
  return {
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: `cosmo-hub-${service}`,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    outboxShards: config.OUTBOX_SHARDS,
  };
}

/** The service's Kafka client: its own principal (or the shared one), TLS as configured. */
export function kafkaSettings<S extends HubService>(service: S, config: ServiceConfig<S>): KafkaSettings {
  return {
    brokers: kafkaBrokerList(config),
    clientId: config.INSTANCE_ID ?? `cosmo-hub-${service}`,
    ...kafkaSecurity(config, servicePrincipal(config, variablePrefix(service))),
  };
}
