/**
 * The outbox shards the relay's next round drains: those the writers' wake-ups named since the last
 * round, and every shard after a wake-up naming none (a LISTEN reconnect, a writer that does not
 * say), at the first round, and at least once per `everyMs` (the poll that finds what a lost
 * NOTIFY did not announce, even while named wake-ups keep coming).
 */
export class DueShards {
  private named = new Set<number>();
  private all = true;
  private lastAllAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly everyMs: number) {}

  /** Shards written (null: any shard). */
  mark(shards: Iterable<number> | null): void {
    if (shards === null) this.all = true;
    else for (const shard of shards) this.named.add(shard);
  }

  /** The shards due at `now` (ms), forgotten until marked again: 'all', or the shards named. */
  take(now: number): 'all' | ReadonlySet<number> {
    if (this.all || this.named.size === 0 || now - this.lastAllAt >= this.everyMs) {
      this.all = false;
      this.named = new Set();
      this.lastAllAt = now;
      return 'all';
    }
    const due = this.named;
    this.named = new Set();
    return due;
  }
}
