import { Logger } from '@nestjs/common';
import type { ClaimedDelivery, DeliveryOutcomes } from '@hub/persistence';
import { GroupCommitWriter } from '@hub/platform';
import type { DeadLetterWriter } from './dead-letter-writer';
import { type AttemptResult, describeDelivery, type NextStep } from './delivery-policy';
import type { SubscriptionPauser } from './subscription-pauser';

/** Delivered outcomes written in one statement at most. */
const MAX_MARK_BATCH = 256;

/**
 * Records what came of an attempt: delivered outcomes group-committed (one statement for all
 * those finished meanwhile, the notifier's most frequent write), retries rescheduled, dead
 * letters handed to their writer, and the subscription paused on 410 Gone before the delivery
 * is released, so that no other attempt slips in meanwhile. Resolves once the outcome is committed:
 * true when the delivery was marked delivered (its lease still this notifier's), else false.
 */
export class OutcomeWriter {
  private readonly logger = new Logger(OutcomeWriter.name);
  private readonly delivered: GroupCommitWriter<
    { delivery: ClaimedDelivery; attempt: AttemptResult },
    boolean
  >;

  constructor(
    private readonly outcomes: DeliveryOutcomes,
    private readonly deadLetters: DeadLetterWriter,
    private readonly pauser: SubscriptionPauser,
  ) {
    // A delivery whose lease was lost meanwhile is another claim's now: its `false` needs nothing more.
    this.delivered = new GroupCommitWriter({
      write: (batch) => outcomes.markAllDelivered(batch),
      maxBatch: MAX_MARK_BATCH,
    });
  }

  async record(delivery: ClaimedDelivery, attempt: AttemptResult, step: NextStep): Promise<boolean> {
    if (step.kind === 'delivered') return this.delivered.add({ delivery, attempt });
    this.logger.debug({
      msg: 'delivery attempt failed',
      ...describeDelivery(delivery),
      attempt: delivery.attempts + 1,
      outcome: attempt.outcome,
      statusCode: attempt.statusCode,
      err: attempt.error,
    });
    if (step.pause) await this.pauser.pause(delivery, step.pause, 'gone');
    if (step.kind === 'retry') await this.outcomes.scheduleRetry(delivery, attempt, step.delayMs);
    else await this.deadLetters.write(delivery, attempt, step.reason);
    return false;
  }

  /** Resolves once every delivered outcome handed over is written (or failed). */
  idle(): Promise<void> {
    return this.delivered.idle();
  }
}
