/** Feed notifications remembered, for a wait whose read began before the latest ones. */
const REMEMBERED = 256;

interface Notification {
  generation: number;
  /** The subscriptions it named; null: every subscription. */
  subscriptions: ReadonlySet<string> | null;
}

/**
 * The long polls waiting in this process, by subscription: a feed NOTIFY wakes only the waits of
 * the subscriptions it names, so a batch for one organization does not send every waiting poll
 * back to the database. A read notes `generation` before it looks; a wait then returns at once if
 * a notification for its subscription came since, so one arriving during the read is not missed.
 */
export class FeedWakeups {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly recent: Notification[] = [];
  private notified = 0;

  /** Notifications so far: what a read notes before it looks. */
  get generation(): number {
    return this.notified;
  }

  /** A feed notification naming these subscriptions (null: all); returns how many waits woke. */
  notify(subscriptionIds: readonly string[] | null): number {
    this.notified += 1;
    this.recent.push({
      generation: this.notified,
      subscriptions: subscriptionIds && new Set(subscriptionIds),
    });
    if (this.recent.length > REMEMBERED) this.recent.shift();
    const woken: (() => void)[] = [];
    for (const id of subscriptionIds ?? [...this.waiting.keys()]) woken.push(...(this.waiting.get(id) ?? []));
    for (const wake of woken) wake();
    return woken.length;
  }

  /**
   * True when the subscription is named by a notification after `since` (at once if one came
   * already), false after `timeoutMs` or when `signal` aborts.
   */
  wait(subscriptionId: string, since: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.namedSince(subscriptionId, since)) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const settle = (woken: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        const waits = this.waiting.get(subscriptionId);
        waits?.delete(wake);
        if (waits?.size === 0) this.waiting.delete(subscriptionId);
        resolve(woken);
      };
      const wake = (): void => settle(true);
      const aborted = (): void => settle(false);
      const timer = setTimeout(aborted, Math.max(0, timeoutMs));
      signal.addEventListener('abort', aborted, { once: true });
      const waits = this.waiting.get(subscriptionId) ?? new Set();
      waits.add(wake);
      this.waiting.set(subscriptionId, waits);
    });
  }

  /** Waits sleeping now. */
  get size(): number {
    let count = 0;
    for (const waits of this.waiting.values()) count += waits.size;
    return count;
  }

  private namedSince(subscriptionId: string, since: number): boolean {
    if (since >= this.notified) return false;
    const oldest = this.recent[0]?.generation ?? this.notified + 1;
    // Older than what is remembered: assume it was named.
    if (oldest > since + 1) return true;
    return this.recent.some(
      (notification) =>
        notification.generation > since &&
        (notification.subscriptions === null || notification.subscriptions.has(subscriptionId)),
    );
  }
}
