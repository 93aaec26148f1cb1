import { randomBytes, randomUUID } from 'node:crypto';
import type { HubService } from '@hub/messaging';
import {
  serviceEntry,
  serviceEnvironment,
  type ServiceDeployment,
} from '../../apps/launcher/src/service-environment';
import { serviceDatabaseUrl } from '@hub/persistence';
import { type BenchEnvironment, benchServiceLogin, freePort, UNLIMITED_RATES } from './bench-environment';
import { ServiceProcess } from './service-process';

export interface HubServiceRequest {
  service: HubService;
  /** Defaults to the service name; use e.g. `router-2` for a second instance. */
  name?: string;
  env?: Record<string, string>;
  /** Extra Node flags, e.g. `--inspect=127.0.0.1:0` to read the heap (ServiceProcess.heapAfterCollection). */
  nodeFlags?: string[];
}

export interface RunningHubService {
  name: string;
  service: HubService;
  url: string;
  process: ServiceProcess;
}

/**
 * Hub services as separate processes, configured as `npm run hub` configures them (production
 * defaults, LOG_LEVEL info), against one database and the benchmark's broker. Routers share a
 * consumer group of their own that starts at the current end of the canonical topics, so they
 * route only what this deployment publishes.
 */
export class HubDeployment {
  readonly routerGroupId = `hub-router-bench-${randomUUID().slice(0, 8)}`;
  private readonly services: RunningHubService[] = [];
  /** Opens the gateway's /health on its public listener (the workers' are open on loopback). */
  private readonly metricsToken = randomBytes(24).toString('base64url');

  constructor(
    private readonly environment: BenchEnvironment,
    readonly databaseUrl: string,
  ) {}

  /** The services' shared settings: each service its own principal on the benchmarks' broker. */
  get deployment(): ServiceDeployment {
    const { environment } = this;
    return {
      // As in production: the services connect as a login that owns nothing.
      databaseUrl: serviceDatabaseUrl(this.databaseUrl, benchServiceLogin(environment)),
      brokers: environment.brokers,
      // KAFKA_SASL_* as given for KAFKA_BROKERS' cluster or an unsecured broker.
      kafka: environment.broker?.credentials ? { credentials: environment.broker.credentials } : null,
      adminToken: environment.adminToken,
      secretKey: environment.secretKey,
      eventSigningKey: environment.eventSigningKey,
      metricsToken: this.metricsToken,
      common: {
        // The benchmarks' sinks: loopback, http, ephemeral ports.
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_ALLOW_INSECURE_HTTP: 'true',
        WEBHOOK_ALLOWED_PORTS: '1-65535',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        ROUTER_GROUP_ID: this.routerGroupId,
        ROUTER_START_FROM: 'latest',
        ...UNLIMITED_RATES,
        // To compare tunings: settings for every service, as JSON (e.g. {"ROUTER_PARTITIONS_CONCURRENTLY":"3"}).
        ...(JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<string, string>),
      },
    };
  }

  /** Starts the requested services at once and waits until each answers /health; all or none. */
  async start(requests: readonly HubServiceRequest[]): Promise<RunningHubService[]> {
    const started = await Promise.allSettled(requests.map((request) => this.startOne(request)));
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (failure) {
      await Promise.all(
        started.map((outcome) =>
          outcome.status === 'fulfilled' ? this.stopService(outcome.value.name) : Promise.resolve(),
        ),
      );
      throw failure.reason;
    }
    return started.map((outcome) => (outcome as PromiseFulfilledResult<RunningHubService>).value);
  }

  get running(): readonly RunningHubService[] {
    return this.services;
  }

  find(name: string): RunningHubService {
    const found = this.services.find((service) => service.name === name);
    if (!found) throw new Error(`no running service ${name}`);
    return found;
  }

  async stopService(name: string): Promise<void> {
    const index = this.services.findIndex((service) => service.name === name);
    if (index < 0) return;
    const [service] = this.services.splice(index, 1);
    await service.process.stop();
  }

  async stop(): Promise<void> {
    const services = this.services.splice(0);
    await Promise.all(services.map((service) => service.process.stop()));
  }

  private async startOne(request: HubServiceRequest): Promise<RunningHubService> {
    const port = await freePort();
    const name = request.name ?? request.service;
    const url = `http://127.0.0.1:${port}`;
    const process = await ServiceProcess.start(this.environment.distRoot, this.environment.logDir, {
      name,
      entry: serviceEntry(request.service),
      env: serviceEnvironment(
        { service: request.service, port, instanceId: `${name}-bench`, env: request.env },
        this.deployment,
      ),
      healthUrl: `${url}/health`,
      healthToken: this.metricsToken,
      nodeFlags: request.nodeFlags,
    });
    const running = { name, service: request.service, url, process };
    this.services.push(running);
    return running;
  }
}
