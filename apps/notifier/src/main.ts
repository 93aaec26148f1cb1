import { runService } from '@hub/service';
import { NotifierConfig } from './notifier.config';
import { NotifierModule } from './notifier.module';

runService(NotifierModule, {
  name: 'notifier',
  config: NotifierConfig,
  port: 'NOTIFIER_PORT',
  listening: 'notifier delivering webhooks; health and metrics served',
  details: (config) => ({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
});
