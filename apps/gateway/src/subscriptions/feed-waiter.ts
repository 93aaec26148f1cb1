import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FEED_CHANNEL, NotificationListener } from '@hub/persistence';
import { GatewayConfig } from '../gateway.config';

const POLL_INTERVAL_MS = 500;

/**
 * Long polling for pull feeds: one shared LISTEN connection for the whole
 * gateway; a waiting request is woken by the router's NOTIFY after each batch,
 * or by a short poll should a notification be lost.
 */
@Injectable()
export class FeedWaiter implements OnApplicationShutdown {
  private readonly waiters = new Set<() => void>();
  private listener: NotificationListener | null = null;
  private starting: Promise<void> | null = null;
  /** Feed notifications received so far: a wait that missed one since it looked returns at once. */
  private notified = 0;

  /** The notification count to pass to `next` when a read begins. */
  get seen(): number {
    return this.notified;
  }

  constructor(@Inject(GatewayConfig) private readonly config: GatewayConfig) {}

  /**
   * Resolves at the next feed notification, after one poll interval, or when `signal` aborts; at
   * once when a notification came after `since` (taken before the read that found nothing), so
   * one that arrived during that read is not missed for a whole poll interval.
   */
  async next(signal: AbortSignal, since?: number): Promise<void> {
    await this.ensureListening();
    if (since !== undefined && since !== this.notified) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, POLL_INTERVAL_MS);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
    await this.listener?.stop();
  }

  private ensureListening(): Promise<void> {
    this.starting ??= (async () => {
      const listener = new NotificationListener(
        this.config.DATABASE_URL,
        FEED_CHANNEL,
        () => {
          this.notified += 1;
          for (const wake of [...this.waiters]) wake();
        },
        () => undefined,
      );
      await listener.start();
      this.listener = listener;
    })();
    return this.starting;
  }
}
