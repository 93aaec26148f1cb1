export interface GroupCommitOptions<T, R> {
  /** Writes a batch in one statement (one commit) and answers each item's result, in order. */
  write: (batch: readonly T[]) => Promise<readonly R[]>;
  /** Items written by one statement at most. */
  maxBatch: number;
  /** Statements on their way at once (default 1); items queue behind them. */
  maxInFlight?: number;
  /**
   * A failed batch of several is written again item by item, so that one bad item fails alone
   * (right when the statement is atomic: nothing of the failed batch was written).
   */
  retryAlone?: boolean;
}

interface Queued<T, R> {
  item: T;
  settle: (result: R) => void;
  fail: (error: unknown) => void;
}

/**
 * Group commit: items added while statements are on their way wait and then go together, as
 * one statement and one commit for all; a lone item goes at once. Each caller gets its own
 * answer once its item is committed.
 */
export class GroupCommitWriter<T, R = void> {
  private readonly queue: Queued<T, R>[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: GroupCommitOptions<T, R>) {
    if (options.maxBatch < 1) throw new RangeError('GroupCommitWriter needs maxBatch >= 1');
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Items waiting, and statements on their way. */
  get pending(): { queued: number; inFlight: number } {
    return { queued: this.queue.length, inFlight: this.inFlight };
  }

  /** Resolves with the item's result once its batch is committed; rejects if it was not. */
  add(item: T): Promise<R> {
    return new Promise<R>((settle, fail) => {
      this.queue.push({ item, settle, fail });
      this.flush();
    });
  }

  /** Resolves once nothing is queued or on its way. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.writeBatch(batch).finally(() => {
        this.inFlight -= 1;
        this.flush();
        if (this.queue.length === 0 && this.inFlight === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async writeBatch(batch: readonly Queued<T, R>[]): Promise<void> {
    let results: readonly R[];
    try {
      results = await this.options.write(batch.map((queued) => queued.item));
      if (results.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} was answered with ${results.length} results`);
      }
    } catch (error) {
      if (this.options.retryAlone && batch.length > 1) {
        await Promise.all(batch.map((queued) => this.writeBatch([queued])));
        return;
      }
      for (const queued of batch) queued.fail(error);
      return;
    }
    batch.forEach((queued, index) => queued.settle(results[index]));
  }
}
