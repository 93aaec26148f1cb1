import { Module } from '@nestjs/common';
import { HubServiceModule } from '@hub/service';
import { WebhookDispatcher } from './delivery/webhook-dispatcher.service';
import { NotifierConfig } from './notifier.config';

@Module({
  imports: [
    HubServiceModule.forService({
      name: 'notifier',
      config: NotifierConfig,
      awaitBrokers: true,
      providers: [WebhookDispatcher],
      health: [WebhookDispatcher],
    }),
  ],
})
export class NotifierModule {}
