import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { type HealthIndicator, type HealthState, HubMetrics } from '@hub/platform';
import { GatewayConfig } from '../gateway.config';
import { type CountedIn, SharedSlidingWindowStorage } from './shared-sliding-window.storage';
import { SlidingWindowStorage } from './sliding-window.storage';

/** A request waits at most this long for Redis before its hit is counted in memory instead. */
const REDIS_COMMAND_TIMEOUT_MS = 250;

/** How long start-up waits for Redis, so the first requests are counted there; then it goes on without. */
const REDIS_CONNECT_WAIT_MS = 2000;

/**
 * Where this gateway counts its budgets: in Redis with REDIS_URL (shared by every gateway), else
 * in its own memory (a single gateway only).
 */
@Injectable()
export class RateLimitCounters implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly storage: SlidingWindowStorage | SharedSlidingWindowStorage;
  private readonly logger = new Logger(RateLimitCounters.name);
  private readonly redis: Redis | null = null;
  private countedIn: CountedIn = 'redis';

  constructor(@Inject(GatewayConfig) config: GatewayConfig, @Inject(HubMetrics) metrics: HubMetrics) {
    if (!config.REDIS_URL) {
      this.storage = new SlidingWindowStorage();
      return;
    }
    const inMemory: Counter = metrics.counter(
      'hub_gateway_rate_limit_local_hits_total',
      'Budget hits counted in this process memory because Redis did not answer',
    );
    const redis = new Redis(config.REDIS_URL, {
      // Fail at once while disconnected rather than queue: the request is not held for Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      connectionName: 'cosmo-hub-gateway',
    });
    // Reconnection is ioredis's; each outage is logged once, when counting moves to memory.
    redis.on('error', () => undefined);
    this.redis = redis;
    this.storage = new SharedSlidingWindowStorage(redis, config.REDIS_KEY_PREFIX, (where, error) => {
      if (where === 'memory') inMemory.inc();
      if (where === this.countedIn) return;
      this.countedIn = where;
      if (where === 'memory')
        this.logger.warn({
          msg: 'rate limits: Redis does not answer, counting in this process memory until it does',
          err: error,
        });
      else this.logger.log({ msg: 'rate limits: Redis answers again, counting there' });
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const gaveUp = setTimeout(resolve, REDIS_CONNECT_WAIT_MS);
      redis.once('ready', () => {
        clearTimeout(gaveUp);
        resolve();
      });
    });
  }

  async check(): Promise<HealthState> {
    if (!this.redis)
      return { up: true, detail: 'counted in this process memory: right for a single gateway only' };
    try {
      await this.redis.ping();
      return { up: true, detail: 'counted in Redis, shared by every gateway' };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { up: false, detail: `Redis does not answer (${reason}): each gateway counts alone` };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis) return;
    await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * Reported at /health as `rateLimits`, advisory: a gateway whose Redis is down keeps serving (see
 * SharedSlidingWindowStorage), so /health/ready does not take it out of rotation.
 */
@Injectable()
export class RateLimitHealthIndicator implements HealthIndicator {
  readonly name = 'rateLimits';
  readonly advisory = true;

  constructor(private readonly counters: RateLimitCounters) {}

  check(): Promise<HealthState> {
    return this.counters.check();
  }
}

/** Global, so the throttler's options and the health report use the one instance. */
@Global()
@Module({ providers: [RateLimitCounters], exports: [RateLimitCounters] })
export class RateLimitCountersModule {}
