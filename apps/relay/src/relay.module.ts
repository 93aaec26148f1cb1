import { Module } from '@nestjs/common';
import { HubServiceModule } from '@hub/service';
import { AuditChainer } from './audit-chainer.service';
import { EscalationScanner } from './escalation-scanner.service';
import { OperationMilestones } from './operation-milestones.service';
import { OutboxRelay } from './outbox-relay.service';
import { RelayConfig } from './relay.config';
import { RetentionJob } from './retention-job.service';

@Module({
  imports: [
    HubServiceModule.forService({
      name: 'relay',
      config: RelayConfig,
      awaitBrokers: true,
      providers: [OutboxRelay, AuditChainer, RetentionJob, OperationMilestones, EscalationScanner],
      health: [OutboxRelay, AuditChainer, RetentionJob, OperationMilestones, EscalationScanner],
    }),
  ],
})
export class RelayModule {}
