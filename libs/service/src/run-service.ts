import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import {
  createHttpService,
  createRootLogger,
  type HttpServiceOptions,
  httpServiceSettings,
  type HubServiceConfig,
  listen,
  loadConfig,
  resolveLogFormat,
} from '@hub/platform';

/** The keys of a configuration class that hold a number (e.g. `RELAY_PORT`). */
type NumberKey<C> = { [K in keyof C]-?: C[K] extends number ? K : never }[keyof C];

export interface ServiceLaunch<C extends HubServiceConfig> {
  /** The service's name in its logs (`service` field). */
  name: string;
  config: Type<C>;
  /** The variable that holds the service's HTTP port, e.g. `RELAY_PORT`. */
  port: NumberKey<C>;
  /** The log line once the service listens, and what it carries besides the URL. */
  listening: string;
  details?: (config: C, url: string) => Record<string, unknown>;
  /** HTTP options of the service (body limit, timeouts, the OpenAPI document…). */
  http?: (config: C) => Omit<HttpServiceOptions, 'logger'>;
}

export interface StartedService<C> {
  app: NestFastifyApplication;
  url: string;
  config: C;
  logger: Logger;
}

/**
 * Starts a service's HTTP application from its module: the configuration validated (a bad
 * variable fails here, named), the root logger, Fastify, and the listening port.
 */
export async function startService<C extends HubServiceConfig>(
  module: Type<unknown>,
  launch: ServiceLaunch<C>,
  env: Record<string, string | undefined> = process.env,
): Promise<StartedService<C>> {
  const config = loadConfig(launch.config, env);
  const logger = createRootLogger(
    launch.name,
    config.LOG_LEVEL,
    config.INSTANCE_ID,
    undefined,
    resolveLogFormat(config.LOG_FORMAT),
  );
  const app = await createHttpService(module, {
    ...httpServiceSettings(config),
    ...launch.http?.(config),
    logger,
  });
  const url = await listen(app, config[launch.port] as number, config.HOST);
  logger.info({ url, ...launch.details?.(config, url) }, launch.listening);
  return { app, url, config, logger };
}

/** A service's `main.ts`: starts it, or writes one fatal JSON line and exits 1. */
export function runService<C extends HubServiceConfig>(
  module: Type<unknown>,
  launch: ServiceLaunch<C>,
): void {
  startService(module, launch).catch((error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: launch.name, msg: 'failed to start', err: String(error) })}\n`,
    );
    process.exit(1);
  });
}
