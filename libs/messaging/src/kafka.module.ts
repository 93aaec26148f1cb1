import { type DynamicModule, Inject, Injectable, type InjectionToken, Logger, Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { HealthIndicator, HealthState } from '@hub/platform';
import { untilBrokersAnswer } from './broker-probe';
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

export interface KafkaModuleOptions {
  /**
   * Start only once the brokers answer: for services that can do nothing without them (relay,
   * router, notifier). The gateway takes records with the broker down, so it does not wait.
   */
  awaitBrokers?: boolean;
  /** Providers handed to `settings` (e.g. the service's configuration, read once). */
  inject?: InjectionToken[];
}

/** Provides the service's kafkajs client under the KAFKA token, and its health indicator. */
@Module({})
export class KafkaModule {
  static forRoot<D extends unknown[]>(
    settings: (...dependencies: D) => KafkaSettings,
    options: KafkaModuleOptions = {},
  ): DynamicModule {
    const connect = async (...dependencies: D): Promise<Kafka> => {
      const resolved = settings(...dependencies);
      if (options.awaitBrokers) {
        const logger = new Logger(KafkaModule.name);
        await untilBrokersAnswer(
          resolved.brokers,
          (seconds) =>
            logger.warn({
              msg: 'waiting for the Kafka brokers to answer',
              brokers: resolved.brokers,
              seconds,
            }),
          resolved,
        );
      }
      return createKafka(resolved);
    };
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA, useFactory: connect, inject: options.inject ?? [] },
        KafkaHealthIndicator,
      ],
      exports: [KAFKA, KafkaHealthIndicator],
    };
  }
}
