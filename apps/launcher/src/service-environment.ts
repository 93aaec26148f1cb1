import type { HubService } from '@hub/messaging';
import { type LocalKafkaBroker, serviceKafkaEnvironment, streamAccessEnvironment } from './kafka-broker';

/** The variable that holds each service's HTTP port (its API, or its /health and /metrics). */
export const SERVICE_PORT_VARIABLES: Readonly<Record<HubService, string>> = {
  gateway: 'PORT',
  relay: 'RELAY_PORT',
  router: 'ROUTER_PORT',
  notifier: 'NOTIFIER_PORT',
};

/** A service's compiled entry point, relative to dist/. */
export const serviceEntry = (service: HubService): string => `apps/${service}/src/main.js`;

/** What the services of one hub share: its database, its brokers, its keys. */
export interface ServiceDeployment {
  databaseUrl: string;
  brokers: readonly string[];
  /**
   * The project's broker, whose principals the services log in as (each its own); null for
   * KAFKA_BROKERS' cluster, reached with the KAFKA_SASL_* / KAFKA_SSL* settings the environment holds.
   */
  kafka:
    (Pick<LocalKafkaBroker, 'credentials'> & Partial<Pick<LocalKafkaBroker, 'replicationFactor'>>) | null;
  /** The development broker's stream admin and listener: the gateway issues stream credentials with it. */
  streamAccess?: LocalKafkaBroker | null;
  /** HUB_ADMIN_TOKEN, the gateway's bootstrap credential. */
  adminToken: string;
  /** HUB_SECRET_KEY, which seals webhook secrets: the gateway writes them, the notifier reads them. */
  secretKey: string;
  /** HUB_EVENT_SIGNING_KEY: the relay signs canonical events with it, the router verifies them. */
  eventSigningKey: string;
  /**
   * METRICS_TOKEN of the gateway: opens its /metrics and detailed /health on the public listener
   * (the workers' are open on their loopback ports). Unset: only its operator listener serves them.
   */
  metricsToken?: string;
  /** Settings every service of this deployment gets (listen address, log level and format…). */
  common?: Record<string, string>;
}

/** One process of a service. */
export interface ServiceInstance {
  service: HubService;
  port: number;
  /** INSTANCE_ID: its name in logs and metrics, and its Kafka client id. */
  instanceId?: string;
  /** Its own settings; they win over the deployment's. */
  env?: Record<string, string>;
}

/** Each service gets only the keys it uses. */
function keysOf(service: HubService, deployment: ServiceDeployment): Record<string, string> {
  switch (service) {
    case 'gateway':
      return {
        HUB_ADMIN_TOKEN: deployment.adminToken,
        HUB_SECRET_KEY: deployment.secretKey,
        ...(deployment.metricsToken ? { METRICS_TOKEN: deployment.metricsToken } : {}),
      };
    case 'notifier':
      return { HUB_SECRET_KEY: deployment.secretKey };
    case 'relay':
    case 'router':
      return { HUB_EVENT_SIGNING_KEY: deployment.eventSigningKey };
  }
}

/**
 * The environment of one service process, the same for `npm run hub`, the benchmarks and the
 * fault suite. The Kafka pair goes under the per-service names (RELAY_KAFKA_SASL_USERNAME…),
 * which win over whatever pair the parent's environment holds for another cluster or test run.
 */
export function serviceEnvironment(
  instance: ServiceInstance,
  deployment: ServiceDeployment,
): Record<string, string> {
  const { service } = instance;
  return {
    DATABASE_URL: deployment.databaseUrl,
    KAFKA_BROKERS: deployment.brokers.join(','),
    ...deployment.common,
    ...keysOf(service, deployment),
    ...(deployment.kafka ? serviceKafkaEnvironment(deployment.kafka, service, 'per-service') : {}),
    // The services that create topics make them as replicated as the project's cluster has nodes.
    ...(service !== 'gateway' && deployment.kafka?.replicationFactor
      ? { KAFKA_REPLICATION_FACTOR: String(deployment.kafka.replicationFactor) }
      : {}),
    // The stream admin may alter the cluster's ACLs: the gateway's stream-credential routes only.
    ...(service === 'gateway' && deployment.streamAccess
      ? streamAccessEnvironment(deployment.streamAccess)
      : {}),
    [SERVICE_PORT_VARIABLES[service]]: String(instance.port),
    ...(instance.instanceId ? { INSTANCE_ID: instance.instanceId } : {}),
    ...instance.env,
  };
}
