// Webhook delivery building blocks on node built-ins and `standardwebhooks`: no framework, ORM or Kafka client.
export * from './cloudevents-json';
export * from './retry-schedule';
export * from './secret-box';
export * from './webhook-signature';
export * from './webhook-target.guard';
export * from './webhook-transport';
