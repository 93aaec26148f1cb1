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
import { DEAD_LETTER_TOPICS, DELIVERY_DEAD_LETTER_HEADERS, topicsWrittenBy } from '@hub/contracts';
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
  parseRetrySchedule,
  SecretBox,
  SecretBoxError,
  WebhookSigner,
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
/** When the dead-letter topic cannot be written, the delivery is tried for it again after this. */
const DEAD_LETTER_RETRY_MS = 5000;
/** A lease outlives the longest attempt, so a crashed notifier's deliveries are taken over soon after. */
const LEASE_MARGIN_MS = 30_000;
/**
 * A claim (one query over every subscription's head, whatever its limit) leases up to this many
 * times WEBHOOK_MAX_IN_FLIGHT deliveries, in flight and waiting: finished deliveries are followed
 * at once by waiting ones, and one claim serves many instead of a few.
 */
const CLAIM_AHEAD = 4;
/**
 * After a delivery finishes with few claimed ahead, the next claim waits this long unless a
 * quarter of the slots are free, so that one claim fills several slots rather than one.
 */
const CLAIM_GATHER_MS = 5;
/** A claimed delivery still waiting after this long is given back: its lease must outlast the attempt. */
const MAX_WAIT_MS = LEASE_MARGIN_MS / 2;
/**
 * When a claim finds due deliveries it may not take yet (their feed entries' transactions are
 * not older than every running one), it looks again after this, doubling up to the poll interval.
 */
const HELD_BACK_RETRY_MS = 5;
/** Delivered outcomes written in one statement at most. */
const MAX_MARK_BATCH = 256;
/** Opened signing secrets kept, by subscription (a secret changed since is opened afresh). */
const MAX_CACHED_SIGNERS = 10_000;
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
 * delivery, soon again when due deliveries were held back by running transactions, and by a
 * short poll. Claims lease ahead of free slots; delivered outcomes are written in batches. Every attempt is signed afresh (Standard Webhooks) with the
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
  /** Every claimed delivery started and not yet finished: being sent, or its outcome being recorded. */
  private readonly started = new Map<string, Promise<void>>();
  /** Of those, being sent now: a slot of WEBHOOK_MAX_IN_FLIGHT each. */
  private sending = 0;
  /** Leased by a claim, waiting for a free slot, oldest due first. */
  private readonly waiting: { delivery: ClaimedDelivery; claimedAt: number }[] = [];
  /** Delivered outcomes waiting to be written; one statement writes all of them. */
  private readonly toMark: {
    delivery: ClaimedDelivery;
    attempt: AttemptResult;
    done: (error: Error | null) => void;
  }[] = [];
  private marking: Promise<void> | null = null;
  /** Signers by subscription id, with the sealed secret they were opened from. */
  private readonly signers = new Map<string, { sealed: string; signer: WebhookSigner }>();
  private pollTimer: NodeJS.Timeout | null = null;
  private gatherTimer: NodeJS.Timeout | null = null;
  private heldBackTimer: NodeJS.Timeout | null = null;
  private heldBackDelayMs = HELD_BACK_RETRY_MS;
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
    const sendingNow = (): number => this.sending;
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
        topicsWrittenBy('notifier'),
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
    if (this.heldBackTimer) clearTimeout(this.heldBackTimer);
    await this.claiming;
    // Attempts end within WEBHOOK_TIMEOUT_MS; their outcome is recorded before the pool closes.
    await Promise.allSettled([...this.started.values()]);
    await this.marking;
    await this.giveBack(this.waiting.splice(0).map((entry) => entry.delivery));
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
      `${backlog.held} held by paused subscriptions, ${this.sending} in flight, ` +
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
    this.startWaiting();
    // Enough claimed ahead: the next claim can wait until they run low.
    if (this.waiting.length * 2 >= this.config.WEBHOOK_MAX_IN_FLIGHT) return;
    const room = this.config.WEBHOOK_MAX_IN_FLIGHT - this.sending;
    if (room * 4 >= this.config.WEBHOOK_MAX_IN_FLIGHT) {
      this.wake();
      return;
    }
    this.gatherTimer ??= setTimeout(() => {
      this.gatherTimer = null;
      this.wake();
    }, CLAIM_GATHER_MS);
  }

  /** Deliveries leased at once, at most: started (being sent or recorded) and waiting. */
  private claimTarget(): number {
    return this.config.WEBHOOK_MAX_IN_FLIGHT * CLAIM_AHEAD;
  }

  private async claim(): Promise<void> {
    for (;;) {
      this.startWaiting();
      const room = this.config.WEBHOOK_MAX_IN_FLIGHT - this.sending;
      const limit = this.claimTarget() - this.started.size - this.waiting.length;
      if (this.stopped || room <= 0 || limit <= 0) return;
      let claim: { claimed: ClaimedDelivery[]; heldBack: boolean };
      try {
        claim = await this.store.claim(limit, this.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
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
      const claimedAt = performance.now();
      for (const delivery of claim.claimed) this.waiting.push({ delivery, claimedAt });
      if (claim.heldBack) this.lookAgainSoon();
      else this.heldBackDelayMs = HELD_BACK_RETRY_MS;
      if (claim.claimed.length < limit) {
        this.startWaiting();
        return;
      }
    }
  }

  /**
   * Due deliveries were held back only until transactions running elsewhere end (milliseconds,
   * usually): looking again soon sends them now, not at the next poll.
   */
  private lookAgainSoon(): void {
    if (this.heldBackTimer || this.stopped) return;
    const delay = this.heldBackDelayMs;
    this.heldBackDelayMs = Math.min(delay * 2, this.config.NOTIFIER_POLL_INTERVAL_MS);
    this.heldBackTimer = setTimeout(() => {
      this.heldBackTimer = null;
      this.wake();
    }, delay);
  }

  /** Fills free slots with claimed deliveries; one claimed too long ago is given back instead. */
  private startWaiting(): void {
    const stale: ClaimedDelivery[] = [];
    while (!this.stopped && this.sending < this.config.WEBHOOK_MAX_IN_FLIGHT) {
      const next = this.waiting.shift();
      if (!next) break;
      if (performance.now() - next.claimedAt > MAX_WAIT_MS) stale.push(next.delivery);
      else this.start(next.delivery);
    }
    if (stale.length > 0) void this.giveBack(stale);
  }

  private async giveBack(deliveries: ClaimedDelivery[]): Promise<void> {
    // Not given back (the database is away): the leases simply run out and the deliveries are claimed again.
    await this.store.release(deliveries).catch((error: unknown) =>
      this.logger.warn({
        msg: 'giving back claimed deliveries failed; they are claimed again when their leases end',
        deliveries: deliveries.length,
        err: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  private start(delivery: ClaimedDelivery): void {
    this.sending += 1;
    let sending = true;
    // Once the receiver has answered, its slot goes to the next delivery while this outcome is recorded.
    const sent = (): void => {
      if (!sending) return;
      sending = false;
      this.sending -= 1;
      this.startWaiting();
    };
    const task = this.deliver(delivery, sent)
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
        sent();
        this.started.delete(delivery.id);
        // Its subscription's next delivery can be claimed now.
        this.wakeAfterDelivery();
      });
    this.started.set(delivery.id, task);
  }

  /**
   * Records a delivered outcome with those of other deliveries finished meanwhile: one statement
   * (one commit) for all of them, while the previous one runs, so outcomes are written as fast
   * as they come without waiting for a batch to fill. Resolves once this one is committed.
   */
  private markDelivered(delivery: ClaimedDelivery, attempt: AttemptResult): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.toMark.push({ delivery, attempt, done: (error) => (error ? reject(error) : resolve()) });
      this.writeMarks();
    });
  }

  private writeMarks(): void {
    if (this.marking || this.toMark.length === 0) return;
    const batch = this.toMark.splice(0, MAX_MARK_BATCH);
    this.marking = this.store
      .markAllDelivered(batch)
      .then(
        () => batch.forEach((entry) => entry.done(null)),
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          batch.forEach((entry) => entry.done(failure));
        },
      )
      .finally(() => {
        this.marking = null;
        this.writeMarks();
      });
  }

  /** The signer for a subscription's secret, opened once per sealed value (a rotated secret is opened afresh). */
  private signerFor(delivery: ClaimedDelivery): WebhookSigner {
    const cached = this.signers.get(delivery.subscriptionId);
    if (cached?.sealed === delivery.secretCiphertext) return cached.signer;
    const signer = new WebhookSigner(this.secrets.open(delivery.secretCiphertext));
    this.signers.delete(delivery.subscriptionId);
    if (this.signers.size >= MAX_CACHED_SIGNERS) {
      // The least recently opened goes first (a Map keeps insertion order).
      this.signers.delete(this.signers.keys().next().value!);
    }
    this.signers.set(delivery.subscriptionId, { sealed: delivery.secretCiphertext, signer });
    return signer;
  }

  private async deliver(delivery: ClaimedDelivery, sent: () => void): Promise<void> {
    if (delivery.attempts >= this.schedule.length) {
      // Retries ran out earlier, but the dead letter could not be written then (or the schedule shrank).
      sent();
      await this.deadLetter(delivery, null, delivery.lastError ?? 'retry schedule exhausted');
      return;
    }
    const result = await this.attempt(delivery);
    sent();
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
        await this.markDelivered(delivery, result);
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
      const signature = this.signerFor(delivery).sign({ id: delivery.eventId, timestamp: new Date(), body });
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
          topic: DEAD_LETTER_TOPICS.deliveries,
          key: delivery.subscriptionId,
          value: JSON.stringify(delivery.event),
          headers: {
            'content-type': CLOUDEVENTS_JSON,
            [DELIVERY_DEAD_LETTER_HEADERS.subscriptionId]: delivery.subscriptionId,
            [DELIVERY_DEAD_LETTER_HEADERS.deliveryId]: delivery.id,
            [DELIVERY_DEAD_LETTER_HEADERS.eventId]: delivery.eventId,
            [DELIVERY_DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DELIVERY_DEAD_LETTER_HEADERS.reason]: reason,
            [DELIVERY_DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
            ...(statusCode === null
              ? {}
              : { [DELIVERY_DEAD_LETTER_HEADERS.lastStatusCode]: String(statusCode) }),
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
