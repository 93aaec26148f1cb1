import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { buildOperationEvent, OPERATION_EVENT_TYPES } from '@hub/contracts';
import { OperationRegistry, OutboxWakeup } from '@hub/persistence';
import { Backoff, type BackgroundWorker, type HealthState, WakeLoop } from '@hub/platform';
import { RelayConfig } from './relay.config';

/**
 * The clock's side of an operation's life: on a timer, writes `operation.opened` and
 * `operation.phase-started` to the outbox once each, when their time has come (OperationRegistry
 * announceDue), and wakes the outbox drain that publishes them on hub.operations.v1.
 */
@Injectable()
export class OperationMilestones implements BackgroundWorker {
  readonly name = 'operation-milestones';
  private readonly logger = new Logger(OperationMilestones.name);
  private readonly loop: WakeLoop;

  constructor(registry: OperationRegistry, wakeup: OutboxWakeup, @Inject(RelayConfig) config: RelayConfig) {
    this.loop = new WakeLoop({
      round: async () => {
        const written = await registry.announceDue(new Date(), (operation, milestone) => {
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
          wakeup.wake();
        }
        return { progressed: written > 0 };
      },
      pollIntervalMs: config.OPERATION_MILESTONE_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 1_000, maxMs: 60_000 }),
      onFailure: (error, retryInMs) =>
        this.logger.warn({
          msg: 'the operation milestone scan failed; will retry',
          err: error instanceof Error ? error.message : String(error),
          retryInMs,
        }),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  check(): Promise<HealthState> {
    const failure = this.loop.lastFailure;
    return Promise.resolve({ up: true, detail: failure ? `last scan failed: ${failure}` : 'scanning' });
  }
}
