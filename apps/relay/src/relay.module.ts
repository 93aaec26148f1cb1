import { Module } from '@nestjs/common';
import { HubServiceModule } from '@hub/service';
import { AuditChainer } from './audit-chainer.service';
import { OutboxRelay } from './outbox-relay.service';
import { RelayConfig } from './relay.config';

@Module({
  imports: [
    HubServiceModule.forService({
      name: 'relay',
      config: RelayConfig,
      awaitBrokers: true,
      providers: [OutboxRelay, AuditChainer],
      health: [OutboxRelay, AuditChainer],
    }),
  ],
})
export class RelayModule {}
