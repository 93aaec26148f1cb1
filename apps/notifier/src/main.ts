import 'reflect-metadata';
import { createHttpService, createRootLogger, resolveLogFormat, listen, loadConfig } from '@hub/platform';
import { NotifierConfig } from './notifier.config';
import { NotifierModule } from './notifier.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(NotifierConfig);
  const logger = createRootLogger(
    'notifier',
    config.LOG_LEVEL,
    config.INSTANCE_ID,
    undefined,
    resolveLogFormat(config.LOG_FORMAT),
  );
  const app = await createHttpService(NotifierModule, { logger });
  const url = await listen(app, config.NOTIFIER_PORT, config.HOST);
  logger.info(
    { url, allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS },
    'notifier delivering webhooks; health and metrics served',
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'notifier', msg: 'failed to start', err: String(error) })}\n`,
  );
  process.exit(1);
});
