import { Gauge } from 'prom-client';
import type { DeliveryClaims } from '@hub/persistence';
import type { HubMetrics } from '@hub/platform';

const NOTIFIER_METRICS = [
  'hub_notifier_attempts_total',
  'hub_notifier_attempt_duration_seconds',
  'hub_notifier_dead_letters_total',
  'hub_notifier_subscriptions_paused_total',
  'hub_notifier_in_flight',
  'hub_notifier_backlog',
] as const;

/** The notifier's metrics, named and explained in one place. */
export class DeliveryMetrics {
  readonly attempts;
  readonly latency;
  readonly deadLetters;
  readonly pauses;

  /** `sendingNow` answers the deliveries being sent at the moment of a scrape. */
  constructor(
    private readonly metrics: HubMetrics,
    claims: DeliveryClaims,
    sendingNow: () => number,
  ) {
    this.attempts = metrics.counter('hub_notifier_attempts_total', 'Webhook delivery attempts, by outcome', [
      'outcome',
    ]);
    this.latency = metrics.histogram(
      'hub_notifier_attempt_duration_seconds',
      'Webhook delivery attempt duration, by outcome',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      ['outcome'],
    );
    this.deadLetters = metrics.counter(
      'hub_notifier_dead_letters_total',
      'Deliveries that exhausted their retries and went to the dead-letter topic',
    );
    this.pauses = metrics.counter(
      'hub_notifier_subscriptions_paused_total',
      'Subscriptions paused, by cause',
      ['cause'],
    );
    new Gauge({
      name: 'hub_notifier_in_flight',
      help: 'Webhook deliveries being sent now',
      registers: [metrics.registry],
      collect() {
        this.set(sendingNow());
      },
    });
    new Gauge({
      name: 'hub_notifier_backlog',
      help: 'Pending webhook deliveries of active subscriptions, and those due now',
      labelNames: ['state'],
      registers: [metrics.registry],
      async collect() {
        // While the database is unreachable the last values stay; /health reports the outage.
        const backlog = await claims.backlog().catch(() => null);
        if (!backlog) return;
        this.set({ state: 'pending' }, backlog.pending);
        this.set({ state: 'due' }, backlog.due);
        this.set({ state: 'held' }, backlog.held);
      },
    });
  }

  /** The registry belongs to the process: a notifier started again in it registers its metrics afresh. */
  unregister(): void {
    for (const name of NOTIFIER_METRICS) this.metrics.registry.removeSingleMetric(name);
  }
}
