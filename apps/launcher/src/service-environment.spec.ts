import { HUB_SERVICES } from '@hub/messaging';
import type { KafkaBrokerCredentials, LocalKafkaBroker } from './kafka-broker';
import { serviceEnvironment, type ServiceDeployment } from './service-environment';

const principal = (username: string) => ({
  mechanism: 'scram-sha-512' as const,
  username,
  password: `${username}-pw`,
});
const credentials: KafkaBrokerCredentials = {
  admin: principal('admin'),
  streamAdmin: principal('hub-stream-admin'),
  services: {
    gateway: principal('hub-gateway'),
    relay: principal('hub-relay'),
    router: principal('hub-router'),
    notifier: principal('hub-notifier'),
  },
};
const local: LocalKafkaBroker = {
  credentials,
  adminSecurity: {},
  externalBrokers: ['localhost:9094'],
  caFile: '/state/ca.pem',
  adminClasspath: '/kafka/libs/*',
  replicationFactor: 3,
};

const deployment: ServiceDeployment = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/hub',
  brokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
  kafka: local,
  streamAccess: local,
  adminToken: 'admin-token',
  secretKey: 'secret-key',
  eventSigningKey: 'signing-key',
  common: { LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
};

describe(serviceEnvironment.name, () => {
  it('gives every service the database, the brokers, the shared settings and its own port', () => {
    const ports = { gateway: 'PORT', relay: 'RELAY_PORT', router: 'ROUTER_PORT', notifier: 'NOTIFIER_PORT' };
    for (const service of HUB_SERVICES) {
      const env = serviceEnvironment({ service, port: 4100 }, deployment);
      expect(env).toMatchObject({
        DATABASE_URL: deployment.databaseUrl,
        KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        [ports[service]]: '4100',
      });
      // No other service's port: a second instance must not be told where the first listens.
      const others = Object.entries(ports).filter(([name]) => name !== service);
      for (const [, variable] of others) expect(env[variable]).toBeUndefined();
    }
  });

  it('gives each service only the keys it uses', () => {
    const keys = (service: (typeof HUB_SERVICES)[number]) =>
      Object.keys(serviceEnvironment({ service, port: 1 }, deployment))
        .filter((name) => name.startsWith('HUB_'))
        .sort();
    expect(keys('gateway')).toEqual(['HUB_ADMIN_TOKEN', 'HUB_SECRET_KEY']);
    expect(keys('notifier')).toEqual(['HUB_SECRET_KEY']);
    expect(keys('relay')).toEqual(['HUB_EVENT_SIGNING_KEY']);
    expect(keys('router')).toEqual(['HUB_EVENT_SIGNING_KEY']);
  });

  it('logs each service in as its own principal, under the per-service names, and the gateway alone as stream admin', () => {
    const relay = serviceEnvironment({ service: 'relay', port: 1 }, deployment);
    expect(relay).toMatchObject({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      RELAY_KAFKA_SASL_USERNAME: 'hub-relay',
      RELAY_KAFKA_SASL_PASSWORD: 'hub-relay-pw',
    });
    expect(relay.KAFKA_SASL_USERNAME).toBeUndefined();
    expect(relay.STREAM_ADMIN_KAFKA_SASL_PASSWORD).toBeUndefined();
    expect(serviceEnvironment({ service: 'gateway', port: 1 }, deployment)).toMatchObject({
      GATEWAY_KAFKA_SASL_USERNAME: 'hub-gateway',
      STREAM_ADMIN_KAFKA_SASL_USERNAME: 'hub-stream-admin',
      KAFKA_EXTERNAL_BOOTSTRAP: 'localhost:9094',
      KAFKA_EXTERNAL_CA_FILE: '/state/ca.pem',
    });
  });

  it("makes the topic-creating services replicate as many times as the project's cluster has nodes", () => {
    const factor = (service: (typeof HUB_SERVICES)[number], kafka = deployment.kafka) =>
      serviceEnvironment({ service, port: 1 }, { ...deployment, kafka }).KAFKA_REPLICATION_FACTOR;
    expect(['relay', 'router', 'notifier'].map((service) => factor(service as 'relay'))).toEqual([
      '3',
      '3',
      '3',
    ]);
    // The gateway creates no topic; another cluster's factor comes from the environment.
    expect(factor('gateway')).toBeUndefined();
    expect(factor('relay', null)).toBeUndefined();
  });

  it("leaves Kafka's credentials to the environment for another cluster", () => {
    const env = serviceEnvironment(
      { service: 'gateway', port: 1 },
      { ...deployment, kafka: null, streamAccess: null },
    );
    expect(Object.keys(env).filter((name) => name.includes('KAFKA_') && name !== 'KAFKA_BROKERS')).toEqual(
      [],
    );
  });

  it("lets the instance's own settings win, and names the instance", () => {
    const env = serviceEnvironment(
      { service: 'router', port: 1, instanceId: 'router-2', env: { LOG_LEVEL: 'debug', RELAY_PORT: '9' } },
      deployment,
    );
    expect(env).toMatchObject({ INSTANCE_ID: 'router-2', LOG_LEVEL: 'debug', RELAY_PORT: '9' });
    expect(serviceEnvironment({ service: 'router', port: 1 }, deployment).INSTANCE_ID).toBeUndefined();
  });
});
