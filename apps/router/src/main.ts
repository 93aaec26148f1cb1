import 'reflect-metadata';
import { createHttpService, createRootLogger, resolveLogFormat, listen, loadConfig } from '@hub/platform';
import { RouterConfig } from './router.config';
import { RouterModule } from './router.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(RouterConfig);
  const logger = createRootLogger(
    'router',
    config.LOG_LEVEL,
    config.INSTANCE_ID,
    undefined,
    resolveLogFormat(config.LOG_FORMAT),
  );
  const app = await createHttpService(RouterModule, { logger });
  const url = await listen(app, config.ROUTER_PORT, config.HOST);
  logger.info({ url }, 'router consuming the canonical topics; health and metrics served');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'router', msg: 'failed to start', err: String(error) })}\n`,
  );
  process.exit(1);
});
