export * from './event-publisher';
export * from './kafka-client';
export * from './kafka-health.indicator';
export * from './topic-catalog';
export * from './broker-probe';
export * from './kafka.module';
export * from './stream-access-control';
