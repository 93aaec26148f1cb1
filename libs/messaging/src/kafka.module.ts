import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { HealthIndicator, HealthState } from '@hub/platform';
import { createKafka, type KafkaSettings } from './kafka-client';
import { kafkaClusterState } from './kafka-health.indicator';

export const KAFKA = Symbol('KAFKA');

@Injectable()
export class KafkaHealthIndicator implements HealthIndicator {
  readonly name = 'kafka';

  constructor(@Inject(KAFKA) private readonly kafka: Kafka) {}

  check(): Promise<HealthState> {
    return kafkaClusterState(this.kafka);
  }
}

/** Provides the service's kafkajs client under the KAFKA token, and its health indicator. */
@Module({})
export class KafkaModule {
  static forRoot(settings: () => KafkaSettings): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [{ provide: KAFKA, useFactory: () => createKafka(settings()) }, KafkaHealthIndicator],
      exports: [KAFKA, KafkaHealthIndicator],
    };
  }
}
