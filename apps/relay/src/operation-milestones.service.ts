import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { buildOperationEvent, OPERATION_EVENT_TYPES } from '@hub/contracts';
import { OperationRegistry, OutboxWakeup } from '@hub/persistence';
import { Backoff, LoopWorker, type RoundOutcome } from '@hub/platform';
import { RelayConfig } from './relay.config';

/**
 * The clock's side of an operation's life: on a timer, writes `operation.opened` and
 * `operation.phase-started` to the outbox once each, when their time has come (OperationRegistry
 * announceDue), and wakes the outbox drain that publishes them on hub.operations.v1.
 */
@Injectable()
export class OperationMilestones extends LoopWorker {
  readonly name = 'operation-milestones';

  constructor(
    private readonly registry: OperationRegistry,
    private readonly wakeup: OutboxWakeup,
    @Inject(RelayConfig) config: RelayConfig,
  ) {
    super({
      pollIntervalMs: config.OPERATION_MILESTONE_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 1_000, maxMs: 60_000 }),
      failureMessage: 'the operation milestone scan failed; will retry',
      downOnFailure: false,
    });
  }

  protected override async round(): Promise<RoundOutcome> {
    const written = await this.registry.announceDue(new Date(), (operation, milestone) => {
      const phase = milestone.kind === 'phase-started' ? operation.phases[milestone.index] : undefined;
      return buildOperationEvent(
        randomUUID(),
        phase ? OPERATION_EVENT_TYPES.phaseStarted : OPERATION_EVENT_TYPES.opened,
        new Date(),
        {
          code: operation.code,
          name: operation.name,
          period: operation.period,
          ...(phase && milestone.kind === 'phase-started'
            ? { phase: { index: milestone.index, ...phase } }
            : {}),
        },
      );
    });
    if (written > 0) {
      this.logger.log({ msg: 'operation milestones announced', events: written });
      this.wakeup.wake();
    }
    return { progressed: written > 0 };
  }

  protected override activity(): string {
    return 'scanning';
  }
}
