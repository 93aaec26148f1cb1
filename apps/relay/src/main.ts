import 'reflect-metadata';
import { createHttpService, createRootLogger, resolveLogFormat, listen, loadConfig } from '@hub/platform';
import { RelayConfig } from './relay.config';
import { RelayModule } from './relay.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(RelayConfig);
  const logger = createRootLogger(
    'relay',
    config.LOG_LEVEL,
    config.INSTANCE_ID,
    undefined,
    resolveLogFormat(config.LOG_FORMAT),
  );
  const app = await createHttpService(RelayModule, { logger });
  const url = await listen(app, config.RELAY_PORT, config.HOST);
  logger.info({ url }, 'relay publishing the outbox; health and metrics served');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'relay', msg: 'failed to start', err: String(error) })}\n`,
  );
  process.exit(1);
});
