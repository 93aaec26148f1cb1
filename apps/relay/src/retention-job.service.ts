import { Inject, Injectable, Logger } from '@nestjs/common';
import { type RetentionPass, type RetentionPolicy, RetentionSweep } from '@hub/persistence';
import { Backoff, type BackgroundWorker, type HealthState, HubMetrics, WakeLoop } from '@hub/platform';
import { RelayConfig } from './relay.config';

/** Rows per table per transaction. */
const RETENTION_BATCH = 1000;
/** Batches in one round at most: a large backlog is worked off over several rounds, not in one go. */
const MAX_BATCHES_PER_ROUND = 50;

/**
 * Ages out feed entries, finished webhook deliveries (with their attempts) and published outbox
 * rows (RetentionSweep says what is never deleted), on a timer. The relay owns it beside the
 * outbox it drains; with several relays the sweeps skip each other's locked rows.
 */
@Injectable()
export class RetentionJob implements BackgroundWorker {
  readonly name = 'retention';
  private readonly logger = new Logger(RetentionJob.name);
  private readonly loop: WakeLoop;

  constructor(sweep: RetentionSweep, @Inject(RelayConfig) config: RelayConfig, metrics: HubMetrics) {
    const policy: RetentionPolicy = {
      feedEntryDays: config.FEED_RETENTION_DAYS,
      deliveryDays: config.DELIVERY_RETENTION_DAYS,
      outboxDays: config.OUTBOX_RETENTION_DAYS,
    };
    const deleted = metrics.counter('hub_retention_deleted_total', 'Rows deleted past their retention', [
      'table',
    ]);
    this.loop = new WakeLoop({
      round: async () => {
        let total = 0;
        for (let batches = 0; batches < MAX_BATCHES_PER_ROUND; batches += 1) {
          const pass: RetentionPass = await sweep.pass(policy, RETENTION_BATCH);
          for (const [table, count] of Object.entries(pass) as [string, number][])
            deleted.inc({ table }, count);
          total += pass.feedEntries + pass.deliveries + pass.outboxEvents;
          if (Math.max(pass.feedEntries, pass.deliveries, pass.outboxEvents) < RETENTION_BATCH) break;
        }
        if (total) this.logger.log({ msg: 'retention: rows past their retention deleted', rows: total });
        return { progressed: total > 0 };
      },
      pollIntervalMs: config.RETENTION_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 5_000, maxMs: 300_000 }),
      onFailure: (error, retryInMs) =>
        this.logger.warn({
          msg: 'the retention sweep failed; will retry',
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
    return Promise.resolve({ up: true, detail: failure ? `last sweep failed: ${failure}` : 'sweeping' });
  }
}
