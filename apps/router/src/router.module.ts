import { Module } from '@nestjs/common';
import { HubServiceModule } from '@hub/service';
import { EventRouter } from './event-router.service';
import { RouterConfig } from './router.config';
import { SubscriptionDirectory } from './subscription-directory';

@Module({
  imports: [
    HubServiceModule.forService({
      name: 'router',
      config: RouterConfig,
      awaitBrokers: true,
      providers: [SubscriptionDirectory, EventRouter],
      health: [EventRouter],
    }),
  ],
})
export class RouterModule {}
