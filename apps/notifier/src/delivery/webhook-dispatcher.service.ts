import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { isRecallEvent } from '@hub/contracts';
import { eventFactsOf, mayRead } from '@hub/matching';
import { KAFKA } from '@hub/messaging';
import { type ClaimedDelivery, DeliveryClaims, DeliveryOutcomes } from '@hub/persistence';
import { HubMetrics, type HealthIndicator, type HealthState } from '@hub/platform';
import { parseRetrySchedule, SecretBox, webhookTargetPolicy } from '@hub/webhooks';
import { NotifierConfig, previousSecretKeys } from '../notifier.config';
import { DeadLetterWriter } from './dead-letter-writer';
import { DeliveryMetrics } from './delivery-metrics';
import { nextStep } from './delivery-policy';
import { DeliveryQueue } from './delivery-queue';
import { OutcomeWriter } from './outcome-writer';
import { SignerCache } from './signer-cache';
import { SubscriptionPauser } from './subscription-pauser';
import { WebhookAttempt } from './webhook-attempt';

/** Opened signing secrets kept, by subscription (a secret changed since is opened afresh). */
const MAX_CACHED_SIGNERS = 10_000;

/**
 * Sends pending webhook deliveries: each subscription's oldest first, one at a time per
 * subscription (order), many subscriptions at once up to WEBHOOK_MAX_IN_FLIGHT (so a slow
 * subscriber holds only its own queue). The queue decides when and how many; `deliver` below is
 * what one delivery does: one signed attempt (Standard Webhooks, the event id as `webhook-id`),
 * then its outcome recorded, retried on the schedule, or dead-lettered to Kafka.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown, HealthIndicator {
  readonly name = 'deliveries';
  private readonly schedule: number[];
  private readonly metrics: DeliveryMetrics;
  private readonly attempt: WebhookAttempt;
  private readonly deadLetters: DeadLetterWriter;
  private readonly outcomes: OutcomeWriter;
  private readonly queue: DeliveryQueue;

  constructor(
    private readonly claims: DeliveryClaims,
    private readonly deliveryOutcomes: DeliveryOutcomes,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(NotifierConfig) config: NotifierConfig,
    hubMetrics: HubMetrics,
  ) {
    this.schedule = parseRetrySchedule(config.WEBHOOK_RETRY_SCHEDULE_MS);
    this.metrics = new DeliveryMetrics(hubMetrics, claims, () => this.queue.state.sending);
    this.attempt = new WebhookAttempt(
      new SignerCache(new SecretBox(config.HUB_SECRET_KEY, previousSecretKeys(config)), MAX_CACHED_SIGNERS),
      { targets: webhookTargetPolicy(config), timeoutMs: config.WEBHOOK_TIMEOUT_MS },
    );
    const pauser = new SubscriptionPauser(deliveryOutcomes, this.metrics);
    this.deadLetters = new DeadLetterWriter(kafka, deliveryOutcomes, pauser, this.metrics, {
      pauseAfterFailures: config.WEBHOOK_PAUSE_AFTER_FAILURES,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    });
    this.outcomes = new OutcomeWriter(deliveryOutcomes, this.deadLetters, pauser);
    this.queue = new DeliveryQueue(claims, (delivery, sent) => this.deliver(delivery, sent), {
      databaseUrl: config.DATABASE_URL,
      maxInFlight: config.WEBHOOK_MAX_IN_FLIGHT,
      pollIntervalMs: config.NOTIFIER_POLL_INTERVAL_MS,
      attemptTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.deadLetters.provision();
    await this.queue.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.stop();
    await this.outcomes.idle();
    this.attempt.close();
    await this.deadLetters.close();
    this.metrics.unregister();
  }

  async check(): Promise<HealthState> {
    const backlog = await this.claims.backlog();
    const { sending, listening, claimFailure } = this.queue.state;
    const detail =
      `${backlog.pending} pending (${backlog.due} due, oldest ${backlog.oldestDueSeconds.toFixed(1)} s overdue), ` +
      `${backlog.held} held by paused subscriptions, ${sending} in flight, ` +
      (listening ? 'listening' : 'polling only');
    return {
      up: claimFailure === null,
      detail: claimFailure ? `${detail}; last error: ${claimFailure}` : detail,
    };
  }

  /**
   * What one delivery does; `sent` frees its slot once the receiver has answered. True when it is
   * done with (delivered, or withdrawn unsent) and its subscription's next may follow.
   */
  private async deliver(delivery: ClaimedDelivery, sent: () => void): Promise<boolean> {
    // The version sent was readable when the router matched it; a revision since may have taken the
    // record from the subscriber (the router cancels what is pending then: this catches a retry, a
    // resumed subscription or a manual requeue since, and a revision routed late).
    const { current } = delivery;
    if (
      !isRecallEvent(delivery.event) &&
      current &&
      !mayRead(delivery.subscriber, eventFactsOf(current).audience)
    ) {
      sent();
      return this.deliveryOutcomes.cancel(delivery, 'recalled');
    }
    if (delivery.attempts >= this.schedule.length) {
      // Retries ran out earlier, but the dead letter could not be written then (or the schedule shrank).
      sent();
      await this.deadLetters.write(delivery, null, delivery.lastError ?? 'retry schedule exhausted');
      return false;
    }
    const result = await this.attempt.run(delivery);
    sent();
    this.metrics.attempts.inc({ outcome: result.outcome });
    this.metrics.latency.observe({ outcome: result.outcome }, result.latencyMs / 1000);
    return this.outcomes.record(delivery, result, nextStep(result, delivery.attempts + 1, this.schedule));
  }
}
