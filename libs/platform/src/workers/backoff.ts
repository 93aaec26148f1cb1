export interface BackoffOptions {
  /** The first delay, after one failure. */
  initialMs: number;
  /** No delay is longer. */
  maxMs: number;
  /** Growth per failure in a row (2: doubling). */
  factor?: number;
  /**
   * Share of each delay drawn at random (0 to 1): instances that failed together (a broker
   * restart) do not all come back in the same millisecond.
   */
  jitter?: number;
  random?: () => number;
}

/**
 * Exponential backoff with jitter, for anything that retries after a failure (a publish, a
 * consumer crash, a lost connection): `next()` after each failure in a row, `reset()` after a success.
 */
export class Backoff {
  private failuresInARow = 0;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (options.initialMs <= 0 || options.maxMs < options.initialMs) {
      throw new RangeError('Backoff needs 0 < initialMs <= maxMs');
    }
    this.factor = options.factor ?? 2;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.failuresInARow;
  }

  /** Counts a failure and answers how long to wait before the next try. */
  next(): number {
    const exponent = Math.min(this.failuresInARow, 52);
    this.failuresInARow += 1;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * this.factor ** exponent);
    return Math.round(ceiling * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.failuresInARow = 0;
  }
}
