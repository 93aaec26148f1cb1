import { Logger } from '@nestjs/common';
import type { BackgroundWorker, HealthState } from '../health/health';
import { type RoundOutcome, WakeLoop, type WakeLoopOptions } from './wake-loop';

export interface LoopWorkerOptions extends Pick<
  WakeLoopOptions,
  'pollIntervalMs' | 'heldBackMs' | 'backoff'
> {
  /** The warning logged when a round fails, e.g. "linking the audit chain failed; will retry". */
  failureMessage: string;
  /**
   * Whether a failed round takes the service's health down (the work the service exists for) or
   * only shows in the detail (a housekeeping job that can wait).
   */
  downOnFailure: boolean;
}

/** What a worker reports at /health beyond its loop's state. */
export interface WorkerActivity {
  detail: string;
  /** Takes the health down whatever the rounds do (e.g. work that no instance will ever read). */
  fault?: string | null;
}

/**
 * A background worker whose work is the rounds of a WakeLoop: the loop starts once the application
 * is up and stops at shutdown (waiting for the round running); each failed round is logged, and the
 * last failure is shown at /health until a round succeeds. A subclass gives its round and, when it
 * holds more than the loop (a lease, a LISTEN connection), extends the start and the stop.
 */
export abstract class LoopWorker implements BackgroundWorker {
  abstract readonly name: string;
  protected readonly logger: Logger;
  protected readonly loop: WakeLoop;

  protected constructor(private readonly options: LoopWorkerOptions) {
    this.logger = new Logger(new.target.name);
    // The round and the hook are the subclass's methods: the loop first calls them once started.
    this.loop = new WakeLoop({
      round: () => this.round(),
      pollIntervalMs: options.pollIntervalMs,
      heldBackMs: options.heldBackMs,
      backoff: options.backoff,
      onFailure: async (error, retryInMs) => {
        this.logger.warn({
          msg: options.failureMessage,
          err: error instanceof Error ? error.message : String(error),
          retryInMs,
        });
        await this.afterFailure(error);
      },
    });
  }

  /** One round of work (see WakeLoopOptions.round). */
  protected abstract round(): Promise<RoundOutcome | void>;

  /** What the worker is doing, for /health (e.g. "scanning", or a backlog). */
  protected abstract activity(): string | WorkerActivity | Promise<string | WorkerActivity>;

  /** After a failed round is logged and before the wait: reset a client, give up a lease. */
  protected afterFailure(_error: unknown): void | Promise<void> {
    return undefined;
  }

  onApplicationBootstrap(): Promise<void> {
    this.loop.start();
    return Promise.resolve();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  async check(): Promise<HealthState> {
    const failure = this.loop.lastFailure;
    const found = await this.activity();
    const { detail, fault } = typeof found === 'string' ? { detail: found, fault: null } : found;
    return {
      up: !fault && (failure === null || !this.options.downOnFailure),
      detail: [detail, fault, failure && `last error: ${failure}`].filter(Boolean).join('; '),
    };
  }
}
