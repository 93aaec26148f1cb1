import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import { ServiceSupervisor, type ServiceSpec, waitHealthy } from '../../apps/launcher/src/hub-services';
import type { HubService } from '@hub/messaging';
import {
  ensureKafkaBroker,
  type LocalKafkaBroker,
  stopKafkaBroker,
  stopKafkaNode,
} from '../../apps/launcher/src/kafka-broker';
import {
  serviceEntry,
  serviceEnvironment,
  type ServiceDeployment,
} from '../../apps/launcher/src/service-environment';

/** Connections of the suite itself carry this name, so cutting the hub's connections spares them. */
export const SUITE_APPLICATION_NAME = 'cosmo-hub-fault-suite';

export type ServiceName = 'gateway' | 'relay-1' | 'relay-2' | 'router-1' | 'router-2' | 'notifier';

export const SERVICE_NAMES: readonly ServiceName[] = [
  'relay-1',
  'relay-2',
  'router-1',
  'router-2',
  'gateway',
  'notifier',
];

export interface FaultHubSettings {
  distRoot: string;
  logDir: string;
  databaseUrl: string;
  brokers: string;
  /** The development broker's principals: each service connects as its own. */
  kafka: LocalKafkaBroker | null;
  adminToken: string;
  secretKey: string;
  /** HUB_EVENT_SIGNING_KEY of the relays and routers. */
  eventSigningKey: string;
  routerGroupId: string;
  notifier: { timeoutMs: number; retryScheduleMs: number[] };
  log: (line: string) => void;
}

export interface ServiceExit {
  service: string;
  how: string;
  at: Date;
}

/** A free TCP port on loopback (the kernel picks it; it is released again before the service binds it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The hub as separate Node processes from dist/, under the fault suite's control: each service
 * can be killed (SIGKILL) and started again on the same port; the broker stopped and started;
 * the hub's database connections cut. Exits the suite did not cause are recorded.
 */
export class FaultHub {
  /** Opens the gateway's /health on its public listener (the workers' are open on loopback). */
  private readonly metricsToken = randomBytes(24).toString('base64url');
  readonly unexpectedExits: ServiceExit[] = [];
  private readonly supervisor: ServiceSupervisor;
  private readonly specs = new Map<ServiceName, ServiceSpec>();
  private readonly ports = new Map<ServiceName, number>();

  private constructor(private readonly settings: FaultHubSettings) {
    fs.mkdirSync(settings.logDir, { recursive: true });
    this.supervisor = new ServiceSupervisor(settings.distRoot, settings.log, {
      logFile: (name) => path.join(settings.logDir, `${name}.log`),
      onExit: (service, how, expected) => {
        if (!expected) this.unexpectedExits.push({ service, how, at: new Date() });
      },
    });
  }

  /** Starts every service (relays first: they create the canonical topics the routers start from). */
  static async start(settings: FaultHubSettings): Promise<FaultHub> {
    const hub = new FaultHub(settings);
    for (const name of SERVICE_NAMES) hub.ports.set(name, await freePort());
    for (const name of SERVICE_NAMES) hub.specs.set(name, hub.specFor(name));
    for (const group of [
      ['relay-1', 'relay-2'],
      ['router-1'],
      ['router-2'],
      ['gateway', 'notifier'],
    ] as const)
      await hub.startServices(...group);
    return hub;
  }

  get gatewayUrl(): string {
    return this.urlOf('gateway');
  }

  urlOf(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  logFile(name: ServiceName): string {
    return path.join(this.settings.logDir, `${name}.log`);
  }

  /** SIGKILLs the services at once: a crash, with no chance to finish or clean up. */
  async kill(...names: ServiceName[]): Promise<void> {
    await Promise.all(names.map((name) => this.supervisor.kill(name, 'SIGKILL')));
  }

  /** Starts the services again and waits until each answers its health check. */
  async startServices(...names: ServiceName[]): Promise<void> {
    for (const name of names)
      if (!this.supervisor.isRunning(name)) this.supervisor.start(this.specs.get(name)!);
    await Promise.all(
      names.map((name) => waitHealthy(`${this.urlOf(name)}/health`, 120_000, this.metricsToken)),
    );
  }

  /** The relay that holds the most outbox shards now (its health says `N of M shards held`). */
  async busiestRelay(): Promise<ServiceName | null> {
    let busiest: { name: ServiceName; held: number } | null = null;
    for (const name of ['relay-1', 'relay-2'] as const) {
      const health = await fetch(`${this.urlOf(name)}/health`)
        .then((response) => response.text())
        .catch(() => '');
      const held = Number(/(\d+) of \d+ shards held/.exec(health)?.[1] ?? 0);
      if (held > 0 && (!busiest || held > busiest.held)) busiest = { name, held };
    }
    return busiest?.name ?? null;
  }

  /** Each service's /health: status code and body. */
  async health(): Promise<{ service: ServiceName; status: number; body: string }[]> {
    return Promise.all(
      SERVICE_NAMES.map(async (service) => {
        try {
          const response = await fetch(`${this.urlOf(service)}/health`, {
            headers: { authorization: `Bearer ${this.metricsToken}` },
          });
          return { service, status: response.status, body: await response.text() };
        } catch (error) {
          return { service, status: 0, body: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  async stopBroker(): Promise<void> {
    if (!(await stopKafkaBroker({ log: () => undefined })))
      throw new Error('no project broker was running to stop');
  }

  /** Starts the broker again: every node of a cluster that is not running (one killed, or stopped). */
  async startBroker(): Promise<void> {
    await ensureKafkaBroker({ log: () => undefined });
  }

  /** Stops one node of the cluster: SIGKILL (a crash) or SIGTERM (a controlled shutdown, as in a rolling restart). */
  async stopBrokerNode(id: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    if (!(await stopKafkaNode(id, signal))) throw new Error(`Kafka node ${id} was not running`);
  }

  /** Terminates every connection the hub's services hold to its database; returns how many. */
  async cutDatabaseConnections(): Promise<number> {
    return withSuiteClient(this.settings.databaseUrl, async (client) => {
      const { rows } = await client.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated
           FROM pg_stat_activity
          WHERE datname = current_database()
            AND pid <> pg_backend_pid()
            AND application_name <> $1`,
        [SUITE_APPLICATION_NAME],
      );
      return rows.filter((row) => row.terminated).length;
    });
  }

  /** Runs the operator's command that restarts the PostgreSQL server, then waits until it answers. */
  async restartDatabaseServer(command: string): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      execFile('/bin/sh', ['-c', command], { timeout: 120_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`${command}: ${error.message} ${stderr}`)) : resolve(),
      ),
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await withSuiteClient(this.settings.databaseUrl, (client) => client.query('SELECT 1'));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async stop(): Promise<void> {
    await this.supervisor.stopAll();
  }

  private specFor(name: ServiceName): ServiceSpec {
    const { settings } = this;
    const deployment: ServiceDeployment = {
      databaseUrl: settings.databaseUrl,
      brokers: [settings.brokers],
      kafka: settings.kafka,
      // Stream credentials: the suite reads the regional topics as a stream consumer would.
      streamAccess: settings.kafka,
      adminToken: settings.adminToken,
      metricsToken: this.metricsToken,
      secretKey: settings.secretKey,
      eventSigningKey: settings.eventSigningKey,
      common: {
        // The suite's receiver: loopback, http, an ephemeral port.
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_ALLOW_INSECURE_HTTP: 'true',
        WEBHOOK_ALLOWED_PORTS: '1-65535',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info',
      },
    };
    const service = name.replace(/-\d$/, '') as HubService;
    const own: Record<HubService, Record<string, string>> = {
      // The storm must measure faults, not quotas.
      gateway: {
        RATE_LIMIT_PER_MINUTE: '1000000',
        RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
        RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
      },
      relay: { RELAY_POLL_INTERVAL_MS: '500' },
      router: { ROUTER_GROUP_ID: settings.routerGroupId, ROUTER_START_FROM: 'latest' },
      notifier: {
        WEBHOOK_TIMEOUT_MS: String(settings.notifier.timeoutMs),
        WEBHOOK_RETRY_SCHEDULE_MS: settings.notifier.retryScheduleMs.join(','),
        NOTIFIER_POLL_INTERVAL_MS: '100',
      },
    };
    return {
      name,
      entry: serviceEntry(service),
      env: serviceEnvironment(
        { service, port: this.ports.get(name)!, instanceId: name, env: own[service] },
        deployment,
      ),
    };
  }
}

/** A connection of the suite's own (spared when the hub's connections are cut). */
export async function withSuiteClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: SUITE_APPLICATION_NAME });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
