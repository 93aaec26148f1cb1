import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { HubMetrics } from '../metrics/metrics';
import { HEALTH_INDICATORS, type HealthIndicator } from './health';

/** The service's Prometheus registry, available everywhere in the app. */
@Module({})
export class ObservabilityModule {
  static forService(service: string): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [{ provide: HubMetrics, useFactory: () => new HubMetrics(service) }],
      exports: [HubMetrics],
    };
  }
}

/**
 * The dependencies a service reports at /health. Declared in the app module,
 * next to `ObservabilityController`, so indicators can be any of its providers.
 */
export function healthIndicators(...indicators: Type<HealthIndicator>[]): Provider {
  return {
    provide: HEALTH_INDICATORS,
    useFactory: (...instances: HealthIndicator[]) => instances,
    inject: indicators,
  };
}
