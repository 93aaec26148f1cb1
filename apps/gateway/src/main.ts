import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import {
  createHttpService,
  createRootLogger,
  resolveLogFormat,
  hubValidationPipe,
  listen,
  loadConfig,
} from '@hub/platform';
import { GatewayConfig, gatewayTimeouts } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { mountOpenApi } from './openapi/openapi';

async function bootstrap(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  const logger = createRootLogger(
    'gateway',
    config.LOG_LEVEL,
    config.INSTANCE_ID,
    undefined,
    resolveLogFormat(config.LOG_FORMAT),
  );
  const app = await createHttpService(GatewayModule, {
    logger,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    timeouts: gatewayTimeouts(config),
    configure: (nest) => {
      nest.useGlobalPipes(hubValidationPipe());
      const document = mountOpenApi(nest);
      if (config.OPENAPI_OUTPUT)
        writeFileSync(config.OPENAPI_OUTPUT, `${JSON.stringify(document, null, 2)}\n`);
    },
  });
  const url = await listen(app, config.PORT, config.HOST);
  logger.info({ url, docs: `${url}/docs` }, 'gateway listening');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'gateway', msg: 'failed to start', err: String(error) })}\n`,
  );
  process.exit(1);
});
