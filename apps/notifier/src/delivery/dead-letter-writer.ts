import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { EventPublisher, provisionTopics } from '@hub/messaging';
import type { ClaimedDelivery, DeliveryOutcomes } from '@hub/persistence';
import { DEAD_LETTER_TOPICS, DELIVERY_DEAD_LETTER_HEADERS, topicsWrittenBy } from '@hub/contracts';
import { CLOUDEVENTS_JSON } from '@hub/webhooks';
import type { DeliveryMetrics } from './delivery-metrics';
import { type AttemptResult, deadLetterPauseReason, describeDelivery } from './delivery-policy';
import type { SubscriptionPauser } from './subscription-pauser';

/** When the dead-letter topic cannot be written, the delivery is tried for it again after this. */
const DEAD_LETTER_RETRY_MS = 5000;

export interface DeadLetterWriterOptions {
  /** Consecutive dead letters that pause a subscription. */
  pauseAfterFailures: number;
  replicationFactor: number;
}

/**
 * Writes a delivery whose retries ran out to the webhook dead-letter topic, then marks it
 * failed; a run of them pauses the subscription. While Kafka is away the delivery is put back
 * and tried for the topic again later: failed only once its dead letter is written.
 */
export class DeadLetterWriter {
  private readonly logger = new Logger(DeadLetterWriter.name);
  private readonly publisher: EventPublisher;

  constructor(
    private readonly kafka: Kafka,
    private readonly outcomes: DeliveryOutcomes,
    private readonly pauser: SubscriptionPauser,
    private readonly metrics: DeliveryMetrics,
    private readonly options: DeadLetterWriterOptions,
  ) {
    this.publisher = new EventPublisher(kafka);
  }

  /** Creates the dead-letter topic when it does not exist yet. */
  async provision(): Promise<void> {
    const created = await provisionTopics(
      this.kafka,
      topicsWrittenBy('notifier'),
      this.options.replicationFactor,
    );
    if (created.length) this.logger.log({ msg: 'created the dead-letter topic', topics: created });
  }

  /** `attempt` is null when the retries ran out earlier and only the dead letter is still to write. */
  async write(delivery: ClaimedDelivery, attempt: AttemptResult | null, reason: string): Promise<void> {
    const attempts = delivery.attempts + (attempt ? 1 : 0);
    try {
      await this.publish(delivery, attempt, reason, attempts);
    } catch (error) {
      this.logger.warn({
        msg: 'writing a dead letter failed; will try again',
        ...describeDelivery(delivery),
        err: error instanceof Error ? error.message : String(error),
      });
      await this.outcomes.scheduleRetry(delivery, attempt, DEAD_LETTER_RETRY_MS);
      return;
    }
    const { consecutiveFailures } = await this.outcomes.markFailed(delivery, attempt, reason);
    this.metrics.deadLetters.inc();
    this.logger.warn({
      msg: 'delivery dead-lettered after its last attempt',
      ...describeDelivery(delivery),
      attempts,
      reason,
      consecutiveFailures,
    });
    if (consecutiveFailures >= this.options.pauseAfterFailures) {
      await this.pauser.pause(delivery, deadLetterPauseReason(consecutiveFailures, reason), 'dead-letters');
    }
  }

  async close(): Promise<void> {
    await this.publisher.disconnect();
  }

  private async publish(
    delivery: ClaimedDelivery,
    attempt: AttemptResult | null,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const statusCode = attempt ? attempt.statusCode : delivery.lastStatusCode;
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
  }
}
