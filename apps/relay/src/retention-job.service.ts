import { Inject, Injectable } from '@nestjs/common';
import { type RetentionPass, type RetentionPolicy, RetentionSweep } from '@hub/persistence';
import { Backoff, HubMetrics, LoopWorker, type RoundOutcome } from '@hub/platform';
import { RelayConfig } from './relay.config';

/** Rows per table per transaction. */
const RETENTION_BATCH = 1000;
/** Batches in one round at most: a large backlog is worked off over several rounds, not in one go. */
const MAX_BATCHES_PER_ROUND = 50;

/**
 * Ages out feed entries, finished webhook deliveries (with their attempts) and published outbox
 * rows (RetentionSweep says what is never deleted), on a timer. The relay owns it beside the
 * outbox it drains; with several relays the sweeps skip each other's locked rows. A failed sweep
 * is retried and shown at /health, without taking the relay down: nothing waits on it.
 */
@Injectable()
export class RetentionJob extends LoopWorker {
  readonly name = 'retention';
  private readonly policy: RetentionPolicy;
  private readonly deleted;

  constructor(
    private readonly sweep: RetentionSweep,
    @Inject(RelayConfig) config: RelayConfig,
    metrics: HubMetrics,
  ) {
    super({
      pollIntervalMs: config.RETENTION_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 5_000, maxMs: 300_000 }),
      failureMessage: 'the retention sweep failed; will retry',
      downOnFailure: false,
    });
    this.policy = {
      feedEntryDays: config.FEED_RETENTION_DAYS,
      deliveryDays: config.DELIVERY_RETENTION_DAYS,
      outboxDays: config.OUTBOX_RETENTION_DAYS,
    };
    this.deleted = metrics.counter('hub_retention_deleted_total', 'Rows deleted past their retention', [
      'table',
    ]);
  }

  protected override async round(): Promise<RoundOutcome> {
    let total = 0;
    for (let batches = 0; batches < MAX_BATCHES_PER_ROUND; batches += 1) {
      const pass: RetentionPass = await this.sweep.pass(this.policy, RETENTION_BATCH);
      for (const [table, count] of Object.entries(pass) as [string, number][])
        this.deleted.inc({ table }, count);
      total += pass.feedEntries + pass.deliveries + pass.outboxEvents;
      if (Math.max(pass.feedEntries, pass.deliveries, pass.outboxEvents) < RETENTION_BATCH) break;
    }
    if (total) this.logger.log({ msg: 'retention: rows past their retention deleted', rows: total });
    return { progressed: total > 0 };
  }

  protected override activity(): string {
    return 'sweeping';
  }
}
