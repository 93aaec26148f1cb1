import type { Backoff } from './backoff';

/** What a round found, beyond the work it did. */
export interface RoundOutcome {
  /**
   * Work is there but cannot be taken yet: it waits behind transactions still running elsewhere
   * (rows above the snapshot's xmin). The loop looks again shortly instead of at its next poll.
   */
  heldBack?: boolean;
  /** The round did some work: the quick re-looks start again from their shortest delay. */
  progressed?: boolean;
}

export interface WakeLoopOptions {
  /** One round of work: takes everything visible now. Throws on failure. */
  round: () => Promise<RoundOutcome | void>;
  /** A round at this interval without any wake-up: a lost NOTIFY, a standby taking over. */
  pollIntervalMs: number;
  /** The re-looks while work is held back: the first delay, doubled while nothing progresses, up to the last. */
  heldBackMs?: { initialMs: number; maxMs: number };
  /** The wait after a failed round; wake-ups meanwhile are held until it ends. */
  backoff: Backoff;
  /** Told of each failure before the wait (log it, reset a client); its own errors are ignored. */
  onFailure?: (error: unknown, retryInMs: number) => void | Promise<void>;
}

/**
 * A worker's wake-up loop: runs `round` when woken (NOTIFY, a finished job, a timer), never two
 * rounds at once; wake-ups during a round coalesce into one more round after it, which sees
 * everything committed before it starts. Backs off after failures, and looks again soon when
 * work waits behind running transactions.
 */
export class WakeLoop {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private pollTimer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private soonAt = Number.POSITIVE_INFINITY;
  private backoffTimer: NodeJS.Timeout | null = null;
  private heldBackDelayMs: number;
  private failure: string | null = null;

  constructor(private readonly options: WakeLoopOptions) {
    this.heldBackDelayMs = this.heldBackRange().initialMs;
  }

  /** The last failure's message, until a round succeeds. */
  get lastFailure(): string | null {
    return this.failure;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Starts polling and runs a first round. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.pollTimer = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.wake();
  }

  /** Runs a round now, or one more after the running one. */
  wake(): void {
    if (this.stopped) return;
    if (this.running || this.backoffTimer) {
      this.again = true;
      return;
    }
    this.clearSoon();
    this.again = false;
    this.running = this.run();
  }

  /** Wakes within `delayMs` (unless woken sooner): lets several reasons to wake share one round. */
  wakeWithin(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (this.soonTimer && this.soonAt <= at) return;
    this.clearSoon();
    this.soonAt = at;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.soonAt = Number.POSITIVE_INFINITY;
      this.wake();
    }, delayMs);
  }

  /** Stops waking and waits for the running round. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.pollTimer = null;
    this.backoffTimer = null;
    this.clearSoon();
    await this.running;
  }

  private async run(): Promise<void> {
    let outcome: RoundOutcome | void;
    try {
      outcome = await this.options.round();
      this.options.backoff.reset();
      this.failure = null;
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      const delayMs = this.options.backoff.next();
      await Promise.resolve(this.options.onFailure?.(error, delayMs)).catch(() => undefined);
      this.running = null;
      if (this.stopped) return;
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = null;
        this.wake();
      }, delayMs);
      return;
    }
    this.running = null;
    if (this.stopped) return;
    if (this.again) {
      this.wake();
      return;
    }
    const range = this.heldBackRange();
    if (!outcome?.heldBack) {
      this.heldBackDelayMs = range.initialMs;
      return;
    }
    if (outcome.progressed) this.heldBackDelayMs = range.initialMs;
    const delayMs = this.heldBackDelayMs;
    this.heldBackDelayMs = Math.min(delayMs * 2, range.maxMs);
    this.wakeWithin(delayMs);
  }

  private heldBackRange(): { initialMs: number; maxMs: number } {
    return this.options.heldBackMs ?? { initialMs: 2, maxMs: this.options.pollIntervalMs };
  }

  private clearSoon(): void {
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.soonTimer = null;
    this.soonAt = Number.POSITIVE_INFINITY;
  }
}
