import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { HubMetrics } from '../metrics/metrics';
import { HEALTH_INDICATORS, type HealthIndicator } from './health';
import { ObservabilityController } from './observability.controller';

export interface ObservabilityOptions {
  service: string;
  indicators: Type<HealthIndicator>[];
}

/** /health and /metrics for a service, with the health indicators it names. */
@Module({})
export class ObservabilityModule {
  static forService(options: ObservabilityOptions): DynamicModule {
    const indicatorsProvider: Provider = {
      provide: HEALTH_INDICATORS,
      useFactory: (...indicators: HealthIndicator[]) => indicators,
      inject: options.indicators,
    };
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [ObservabilityController],
      providers: [
        { provide: HubMetrics, useValue: new HubMetrics(options.service) },
        ...options.indicators,
        indicatorsProvider,
      ],
      exports: [HubMetrics],
    };
  }
}
