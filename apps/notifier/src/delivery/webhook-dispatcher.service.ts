import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { Gauge } from 'prom-client';
import { ensureTopics, EventPublisher, KAFKA } from '@hub/messaging';
import {
  type ClaimedDelivery,
  DELIVERY_CHANNEL,
  type DeliveryAttemptOutcome,
  DeliveryStore,
  NotificationListener,
} from '@hub/persistence';
import { HubMetrics, type HealthIndicator, type HealthState } from '@hub/platform';
import {
  assertDeliverableUrl,
  CLOUDEVENTS_JSON,
  DEAD_LETTER_HEADERS,
  parseRetrySchedule,
  SecretBox,
  SecretBoxError,
  signWebhook,
  WEBHOOK_DEAD_LETTER_TOPIC,
  WebhookTargetRefused,
  WebhookTimeout,
  WebhookTransport,
} from '@hub/webhooks';
import { NotifierConfig } from '../notifier.config';
import {
  type AttemptResult,
  deadLetterPauseReason,
  nextStep,
  outcomeOf,
  statusFailure,
} from './delivery-policy';

const USER_AGENT = 'CosmoHub-Webhooks/1.0';
const DEAD_LETTER_PARTITIONS = 3;
const DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** When the dead-letter topic cannot be written, the delivery is tried for it again after this. */
const DEAD_LETTER_RETRY_MS = 5000;
/** A lease outlives the longest attempt, so a crashed notifier's deliveries are taken over soon after. */
const LEASE_MARGIN_MS = 30_000;
/**
 * After a delivery finishes, the next claim waits this long unless a quarter of the slots are
 * free: one claim (a query over every subscription's head) then fills several slots instead of
 * one per finished delivery.
 */
const CLAIM_GATHER_MS = 5;
const NOTIFIER_METRICS = [
  'hub_notifier_attempts_total',
  'hub_notifier_attempt_duration_seconds',
  'hub_notifier_dead_letters_total',
  'hub_notifier_subscriptions_paused_total',
  'hub_notifier_in_flight',
  'hub_notifier_backlog',
] as const;

/**
 * Sends pending webhook deliveries: each subscription's oldest first, one at a time per
 * subscription (order), many subscriptions at once up to WEBHOOK_MAX_IN_FLIGHT (so a slow
 * subscriber holds only its own queue). Woken by the router's NOTIFY, by each finished
 * delivery, and by a short poll. Every attempt is signed afresh (Standard Webhooks) with the
 * event id as `webhook-id`; failures are retried on the schedule, then dead-lettered to Kafka.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown, HealthIndicator {
  readonly name = 'deliveries';
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly schedule: number[];
  private readonly secrets: SecretBox;
  private readonly transport: WebhookTransport;
  private readonly publisher: EventPublisher;
  private readonly listener: NotificationListener;
  private readonly inFlight = new Map<string, Promise<void>>();
  private pollTimer: NodeJS.Timeout | null = null;
  private gatherTimer: NodeJS.Timeout | null = null;
  private claiming: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private claimError: string | null = null;
  private readonly attempts;
  private readonly latency;
  private readonly deadLetters;
  private readonly pauses;

  constructor(
    private readonly store: DeliveryStore,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(NotifierConfig) private readonly config: NotifierConfig,
    private readonly metrics: HubMetrics,
  ) {
    this.schedule = parseRetrySchedule(config.WEBHOOK_RETRY_SCHEDULE_MS);
    this.secrets = new SecretBox(config.HUB_SECRET_KEY);
    this.transport = new WebhookTransport({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS });
    this.publisher = new EventPublisher(kafka);
    this.listener = new NotificationListener(
      config.DATABASE_URL,
      DELIVERY_CHANNEL,
      () => this.wake(),
      (error) =>
        this.logger.warn({ msg: 'deliveries LISTEN connection lost; reconnecting', err: error.message }),
    );
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
    const inFlight = this.inFlight;
    new Gauge({
      name: 'hub_notifier_in_flight',
      help: 'Webhook deliveries being sent now',
      registers: [metrics.registry],
      collect() {
        this.set(inFlight.size);
      },
    });
    new Gauge({
      name: 'hub_notifier_backlog',
      help: 'Pending webhook deliveries of active subscriptions, and those due now',
      labelNames: ['state'],
      registers: [metrics.registry],
      async collect() {
        // While the database is unreachable the last values stay; /health reports the outage.
        const backlog = await store.backlog().catch(() => null);
        if (!backlog) return;
        this.set({ state: 'pending' }, backlog.pending);
        this.set({ state: 'due' }, backlog.due);
        this.set({ state: 'held' }, backlog.held);
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const created = await ensureTopics(
        admin,
        [
          {
            topic: WEBHOOK_DEAD_LETTER_TOPIC,
            partitions: DEAD_LETTER_PARTITIONS,
            retentionMs: DEAD_LETTER_RETENTION_MS,
          },
        ],
        this.config.KAFKA_REPLICATION_FACTOR,
      );
      if (created.length) this.logger.log({ msg: 'created the dead-letter topic', topics: created });
    } finally {
      await admin.disconnect();
    }
    await this.listener.start();
    this.pollTimer = setInterval(() => this.wake(), this.config.NOTIFIER_POLL_INTERVAL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    await this.claiming;
    // Attempts end within WEBHOOK_TIMEOUT_MS; their outcome is recorded before the pool closes.
    await Promise.allSettled([...this.inFlight.values()]);
    await this.listener.stop();
    this.transport.close();
    await this.publisher.disconnect();
    // The registry belongs to the process: a notifier started again in it registers its metrics afresh.
    for (const name of NOTIFIER_METRICS) this.metrics.registry.removeSingleMetric(name);
  }

  async check(): Promise<HealthState> {
    const backlog = await this.store.backlog();
    const detail =
      `${backlog.pending} pending (${backlog.due} due, oldest ${backlog.oldestDueSeconds.toFixed(1)} s overdue), ` +
      `${backlog.held} held by paused subscriptions, ${this.inFlight.size} in flight, ` +
      (this.listener.listening ? 'listening' : 'polling only');
    return {
      up: this.claimError === null,
      detail: this.claimError ? `${detail}; last error: ${this.claimError}` : detail,
    };
  }

  /** Claims more work, or asks the running claim to go round once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    this.claiming = this.claim().finally(() => {
      this.claiming = null;
      if (this.wakeAgain && !this.stopped) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private wakeAfterDelivery(): void {
    const room = this.config.WEBHOOK_MAX_IN_FLIGHT - this.inFlight.size;
    if (room * 4 >= this.config.WEBHOOK_MAX_IN_FLIGHT) {
      this.wake();
      return;
    }
    this.gatherTimer ??= setTimeout(() => {
      this.gatherTimer = null;
      this.wake();
    }, CLAIM_GATHER_MS);
  }

  private async claim(): Promise<void> {
    for (;;) {
      const room = this.config.WEBHOOK_MAX_IN_FLIGHT - this.inFlight.size;
      if (this.stopped || room <= 0) return;
      let claimed: ClaimedDelivery[];
      try {
        claimed = await this.store.claimDue(room, this.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
        if (this.claimError) this.logger.log({ msg: 'claiming deliveries works again' });
        this.claimError = null;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (this.claimError !== message) {
          this.logger.warn({ msg: 'claiming deliveries failed; will retry on the next poll', err: message });
        }
        this.claimError = message;
        return;
      }
      for (const delivery of claimed) this.start(delivery);
      if (claimed.length < room) return;
    }
  }

  private start(delivery: ClaimedDelivery): void {
    const task = this.deliver(delivery)
      .catch((error: unknown) => {
        // The lease runs out and the delivery is tried again: at least once, never lost.
        this.logger.error({
          msg: 'recording a delivery outcome failed; it will be retried when its lease ends',
          deliveryId: delivery.id,
          subscriptionId: delivery.subscriptionId,
          err: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.wakeAfterDelivery();
      });
    this.inFlight.set(delivery.id, task);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    if (delivery.attempts >= this.schedule.length) {
      // Retries ran out earlier, but the dead letter could not be written then (or the schedule shrank).
      await this.deadLetter(delivery, null, delivery.lastError ?? 'retry schedule exhausted');
      return;
    }
    const result = await this.attempt(delivery);
    this.attempts.inc({ outcome: result.outcome });
    this.latency.observe({ outcome: result.outcome }, result.latencyMs / 1000);
    const step = nextStep(result, delivery.attempts + 1, this.schedule);
    if (step.kind !== 'delivered') {
      this.logger.debug({
        msg: 'delivery attempt failed',
        ...this.describe(delivery),
        attempt: delivery.attempts + 1,
        outcome: result.outcome,
        statusCode: result.statusCode,
        err: result.error,
      });
    }
    // Paused before the delivery is released, so no other attempt slips in meanwhile.
    if (step.kind !== 'delivered' && step.pause) await this.pause(delivery, step.pause, 'gone');
    switch (step.kind) {
      case 'delivered':
        await this.store.markDelivered(delivery, result);
        return;
      case 'retry':
        await this.store.scheduleRetry(delivery, result, step.delayMs);
        return;
      case 'dead-letter':
        await this.deadLetter(delivery, result, step.reason);
    }
  }

  /** One signed POST of the CloudEvent (structured mode), with the event id as `webhook-id` on every try. */
  private async attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const startedAt = new Date();
    const started = performance.now();
    const result = (
      outcome: DeliveryAttemptOutcome,
      statusCode: number | null,
      error: string | null,
    ): AttemptResult => ({ startedAt, latencyMs: performance.now() - started, outcome, statusCode, error });
    try {
      await assertDeliverableUrl(delivery.webhookUrl, {
        allowPrivateTargets: this.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      });
      const body = JSON.stringify(delivery.event);
      const signature = signWebhook(this.secrets.open(delivery.secretCiphertext), {
        id: delivery.eventId,
        timestamp: new Date(),
        body,
      });
      const status = await this.transport.post({
        url: delivery.webhookUrl,
        headers: { 'content-type': CLOUDEVENTS_JSON, 'user-agent': USER_AGENT, ...signature },
        body,
        timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      });
      const outcome = outcomeOf(status);
      return result(outcome, status, outcome === 'delivered' ? null : statusFailure(status));
    } catch (error) {
      if (error instanceof WebhookTargetRefused) {
        // A name that does not resolve may be a passing DNS problem: an ordinary failed attempt.
        if (error.reason !== 'unresolvable') {
          this.logger.warn({
            msg: 'webhook target refused',
            ...this.describe(delivery),
            reason: error.reason,
            address: error.address,
          });
        }
        return result(error.reason === 'unresolvable' ? 'failed' : 'refused', null, error.message);
      }
      if (error instanceof WebhookTimeout) return result('timeout', null, error.message);
      if (error instanceof SecretBoxError) {
        this.logger.error({
          msg: 'cannot open the signing secret (was HUB_SECRET_KEY changed?)',
          ...this.describe(delivery),
        });
        return result('failed', null, 'the hub could not sign the delivery');
      }
      const code = (error as NodeJS.ErrnoException).code;
      return result(
        'failed',
        null,
        `network error: ${code ?? (error instanceof Error ? error.message : String(error))}`,
      );
    }
  }

  /** Publishes the event to the dead-letter topic, then fails the delivery; pauses after a run of them. */
  private async deadLetter(
    delivery: ClaimedDelivery,
    attempt: AttemptResult | null,
    reason: string,
  ): Promise<void> {
    const attempts = delivery.attempts + (attempt ? 1 : 0);
    const statusCode = attempt ? attempt.statusCode : delivery.lastStatusCode;
    try {
      await this.publisher.publish([
        {
          topic: WEBHOOK_DEAD_LETTER_TOPIC,
          key: delivery.subscriptionId,
          value: JSON.stringify(delivery.event),
          headers: {
            'content-type': CLOUDEVENTS_JSON,
            [DEAD_LETTER_HEADERS.subscriptionId]: delivery.subscriptionId,
            [DEAD_LETTER_HEADERS.deliveryId]: delivery.id,
            [DEAD_LETTER_HEADERS.eventId]: delivery.eventId,
            [DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
            ...(statusCode === null ? {} : { [DEAD_LETTER_HEADERS.lastStatusCode]: String(statusCode) }),
          },
        },
      ]);
    } catch (error) {
      this.logger.warn({
        msg: 'writing a dead letter failed; will try again',
        ...this.describe(delivery),
        err: error instanceof Error ? error.message : String(error),
      });
      await this.publisher.reset();
      await this.store.scheduleRetry(delivery, attempt, DEAD_LETTER_RETRY_MS);
      return;
    }
    const { consecutiveFailures } = await this.store.markFailed(delivery, attempt, reason);
    this.deadLetters.inc();
    this.logger.warn({
      msg: 'delivery dead-lettered after its last attempt',
      ...this.describe(delivery),
      attempts,
      reason,
      consecutiveFailures,
    });
    if (consecutiveFailures >= this.config.WEBHOOK_PAUSE_AFTER_FAILURES) {
      await this.pause(delivery, deadLetterPauseReason(consecutiveFailures, reason), 'dead-letters');
    }
  }

  private async pause(
    delivery: ClaimedDelivery,
    reason: string,
    cause: 'gone' | 'dead-letters',
  ): Promise<void> {
    if (await this.store.pauseSubscription(delivery.subscriptionId, reason)) {
      this.pauses.inc({ cause });
      this.logger.warn({ msg: 'subscription paused', subscriptionId: delivery.subscriptionId, reason });
    }
  }

  /** What a log line may say about a delivery: ids and the receiver's host, never the URL's path or query. */
  private describe(delivery: ClaimedDelivery): Record<string, string> {
    let host = 'invalid URL';
    try {
      host = new URL(delivery.webhookUrl).host;
    } catch {
      // Refused by the guard already; the host is only for the log.
    }
    return {
      subscriptionId: delivery.subscriptionId,
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      host,
    };
  }
}
