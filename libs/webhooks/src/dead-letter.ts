import { DEAD_LETTER_TOPICS, DELIVERY_DEAD_LETTER_HEADERS } from '@hub/contracts';

/**
 * Where the notifier puts deliveries that exhausted their retries: key = subscription id, value =
 * the CloudEvent in structured mode (the body the subscriber would have received). Named in the
 * contracts' topic catalog, as every topic the hub writes.
 */
export const WEBHOOK_DEAD_LETTER_TOPIC = DEAD_LETTER_TOPICS.deliveries;

/** Headers of a dead-letter message, beside `content-type: application/cloudevents+json`. */
export const DEAD_LETTER_HEADERS = DELIVERY_DEAD_LETTER_HEADERS;

/** Content type of a CloudEvent in structured mode (HTTP body, Kafka value). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
