/**
 * Where the notifier puts deliveries that exhausted their retries: key = subscription id, value =
 * the CloudEvent in structured mode (the body the subscriber would have received).
 */
export const WEBHOOK_DEAD_LETTER_TOPIC = 'hub.deliveries.dead-letter.v1';

/** Headers of a dead-letter message, beside `content-type: application/cloudevents+json`. */
export const DEAD_LETTER_HEADERS = {
  subscriptionId: 'hub_subscription_id',
  deliveryId: 'hub_delivery_id',
  eventId: 'hub_event_id',
  attempts: 'hub_attempts',
  lastStatusCode: 'hub_last_status_code',
  reason: 'hub_failure_reason',
  failedAt: 'hub_failed_at',
} as const;

/** Content type of a CloudEvent in structured mode (HTTP body, Kafka value). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
