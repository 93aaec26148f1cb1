/**
 * The Docker deployments (docker/compose.yaml, one machine; docker/compose.cluster.yaml, several)
 * cannot be started here (no Docker engine), so what can be checked without one is checked: the
 * files parse, the images are pinned, every variable a hub service gets is one its configuration
 * declares and accepts, and the cluster file wires its Kafka quorum, Redis and proxy as documented.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { configurationProblems, declaredVariables, loadConfig } from '@hub/platform';
import { GatewayConfig } from '../apps/gateway/src/gateway.config';
import { KAFKA_VERSION } from '../apps/launcher/src/kafka-broker';
import { NotifierConfig } from '../apps/notifier/src/notifier.config';
import { RelayConfig } from '../apps/relay/src/relay.config';
import { RouterConfig } from '../apps/router/src/router.config';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const docker = path.resolve(__dirname, '..', 'docker');

function compose(file: string): ComposeFile {
  return parse(readFileSync(path.join(docker, file), 'utf8'), { merge: true }) as ComposeFile;
}

/** The configuration class of the hub service a compose service runs (by its entry point), if any. */
function configOf(service: ComposeService): (new () => object) | null {
  const entry = service.command?.join(' ') ?? '';
  if (entry.includes('apps/gateway/')) return GatewayConfig;
  if (entry.includes('apps/relay/')) return RelayConfig;
  if (entry.includes('apps/router/')) return RouterConfig;
  if (entry.includes('apps/notifier/')) return NotifierConfig;
  return null;
}

/** Values for the operator's variables, as the files' headers tell to make them. */
const operatorValues: Record<string, string> = {
  HUB_SECRET_KEY: randomBytes(32).toString('base64'),
  HUB_EVENT_SIGNING_KEY: randomBytes(32).toString('base64'),
  HUB_ADMIN_TOKEN: randomBytes(32).toString('base64'),
};

/** `${NAME:?message}` as the operator sets it, `${NAME:-default}` as its default. */
function interpolate(value: string): string {
  return String(value).replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) =>
      kind === '-' ? (rest ?? '') : (operatorValues[name] ?? randomBytes(24).toString('hex')),
  );
}

const hubServices = (file: ComposeFile): [string, ComposeService, new () => object][] =>
  Object.entries(file.services).flatMap(([name, service]) => {
    const schema = configOf(service);
    return schema ? [[name, service, schema] as [string, ComposeService, new () => object]] : [];
  });

describe.each(['compose.yaml', 'compose.cluster.yaml'])('docker/%s', (file) => {
  const parsed = compose(file);

  it('pins every image, Kafka to the version the launcher runs', () => {
    const images = Object.values(parsed.services).flatMap((service) =>
      service.image ? [service.image] : [],
    );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^[a-z0-9./-]+:\d[\w.-]*$/);
    for (const image of images.filter((name) => name.startsWith('apache/kafka:')))
      expect(image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });

  it('gives each hub service only variables its configuration declares, and values it accepts', () => {
    const services = hubServices(parsed);
    expect(services.map(([, , schema]) => schema.name).sort()).toEqual(
      expect.arrayContaining(['GatewayConfig', 'NotifierConfig', 'RelayConfig', 'RouterConfig']),
    );
    for (const [name, service, schema] of services) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([variable, value]) => [variable, interpolate(value)]),
      );
      const declared = declaredVariables(schema);
      expect({
        service: name,
        undeclared: Object.keys(env).filter((variable) => !declared.includes(variable)),
      }).toEqual({
        service: name,
        undeclared: [],
      });
      expect({ service: name, problems: configurationProblems(() => loadConfig(schema, env)) }).toEqual({
        service: name,
        problems: [],
      });
    }
  });

  it('only depends on services it defines', () => {
    for (const service of Object.values(parsed.services)) {
      const dependencies = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect(Object.keys(parsed.services)).toContain(dependency);
    }
  });
});

describe('docker/compose.cluster.yaml: several machines', () => {
  const { services } = compose('compose.cluster.yaml');
  const env = (name: string): Record<string, string> => services[name].environment ?? {};
  const byEntry = (app: string): string[] =>
    Object.keys(services).filter((name) => services[name].command?.join(' ').includes(`apps/${app}/`));

  it('runs three Kafka nodes, each broker and controller of one static quorum, replicating three times', () => {
    const nodes = Object.keys(services).filter((name) => services[name].image?.startsWith('apache/kafka:'));
    const brokers = nodes.filter((name) => env(name).KAFKA_NODE_ID);
    expect(brokers).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    const voters = brokers
      .map((name) => `${env(name).KAFKA_NODE_ID}@${env(name).KAFKA_NODE_HOST}:9093`)
      .join(',');
    for (const name of brokers) {
      expect(env(name)).toMatchObject({
        KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
        KAFKA_CLUSTER_ID: expect.stringContaining('${KAFKA_CLUSTER_ID:?') as string,
      });
      expect(services[name].command).toEqual(['/bin/bash', '/opt/hub/start.sh']);
    }
    expect(new Set(brokers.map((name) => env(name).KAFKA_EXTERNAL_PORT)).size).toBe(3);
    // Every hub service can bootstrap from any node; the topics they create are on all three.
    for (const [name] of hubServices({ services }))
      expect({ name, brokers: env(name).KAFKA_BROKERS }).toEqual({
        name,
        brokers: 'kafka-1:9092,kafka-2:9092,kafka-3:9092',
      });
    for (const name of [...byEntry('relay'), ...byEntry('router'), ...byEntry('notifier')])
      expect(env(name).KAFKA_REPLICATION_FACTOR).toBe('3');
  });

  it('runs two gateways sharing Redis, behind a proxy they trust for the client address', () => {
    const gateways = byEntry('gateway');
    expect(gateways).toEqual(['gateway-1', 'gateway-2']);
    const proxyAddress = services.proxy.networks?.default?.ipv4_address;
    expect(proxyAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const name of gateways) {
      expect(env(name)).toMatchObject({ REDIS_URL: 'redis://redis:6379/0', TRUSTED_PROXIES: proxyAddress });
      expect(Object.keys(services[name].depends_on ?? {})).toContain('redis');
    }
    expect(services.redis.image).toMatch(/^redis:/);
    const nginx = readFileSync(path.join(docker, 'proxy', 'nginx.conf'), 'utf8');
    for (const name of gateways) expect(nginx).toContain(`server ${name}:3000`);
    // The client's address from the connection, not whatever X-Forwarded-For the client sent.
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/);
  });

  it('runs two relays, two routers and a notifier', () => {
    expect(byEntry('relay')).toEqual(['relay-1', 'relay-2']);
    expect(byEntry('router')).toEqual(['router-1', 'router-2']);
    expect(byEntry('notifier')).toEqual(['notifier']);
  });
});
