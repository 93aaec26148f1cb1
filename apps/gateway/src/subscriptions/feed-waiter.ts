import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FEED_CHANNEL, NotificationListener, touchedSubscriptions } from '@hub/persistence';
import { GatewayConfig } from '../gateway.config';
import { FeedWakeups } from './feed-wakeups';

/**
 * How long a wait sleeps before looking again when it cannot count on a wake-up: entries held
 * back behind a running transaction (their NOTIFY was already sent), or no LISTEN connection.
 */
const POLL_INTERVAL_MS = 500;

/**
 * Long polling for pull feeds: one shared LISTEN connection for the whole gateway; a waiting
 * request sleeps, with no database query, until the router's NOTIFY names its subscription or
 * its wait ends.
 */
@Injectable()
export class FeedWaiter implements OnApplicationShutdown {
  private readonly wakeups = new FeedWakeups();
  private listener: NotificationListener | null = null;
  private starting: Promise<void> | null = null;

  /** The notification count to pass to `next` when a read begins. */
  get seen(): number {
    return this.wakeups.generation;
  }

  /**
   * Resolves once the LISTEN connection is up: a poll waits for it before its first read, so the
   * wake-up sent to everyone when it connects does not send that read back to the database.
   */
  ready(): Promise<void> {
    return this.ensureListening();
  }

  constructor(@Inject(GatewayConfig) private readonly config: GatewayConfig) {}

  /**
   * True at the next notification naming the subscription (at once when one came after `since`,
   * taken before the read that found nothing); false when `until` passes or `signal` aborts. With
   * entries `heldBack`, or while the LISTEN connection is down, it also returns after a short poll
   * interval (true: look again).
   */
  async next(
    subscriptionId: string,
    signal: AbortSignal,
    since: number,
    { until, heldBack }: { until: number; heldBack: boolean },
  ): Promise<boolean> {
    await this.ensureListening();
    const remaining = until - Date.now();
    if (!heldBack && this.listener?.listening) {
      return this.wakeups.wait(subscriptionId, since, remaining, signal);
    }
    await this.wakeups.wait(subscriptionId, since, Math.min(remaining, POLL_INTERVAL_MS), signal);
    return !signal.aborted && Date.now() < until;
  }

  async onApplicationShutdown(): Promise<void> {
    this.wakeups.notify(null);
    await this.listener?.stop();
  }

  private ensureListening(): Promise<void> {
    this.starting ??= (async () => {
      const listener = new NotificationListener(
        this.config.DATABASE_URL,
        FEED_CHANNEL,
        (payload) => this.wakeups.notify(touchedSubscriptions(payload)),
        // Connection lost: every wait looks once, then polls until it is back.
        () => this.wakeups.notify(null),
      );
      await listener.start();
      this.listener = listener;
    })();
    return this.starting;
  }
}
