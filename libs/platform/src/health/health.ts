import { existsSync } from 'node:fs';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

export interface HealthState {
  up: boolean;
  detail?: string;
  latencyMs?: number;
}

/** A dependency a service reports on at /health (the database, the Kafka cluster, the outbox backlog…). */
export interface HealthIndicator {
  readonly name: string;
  /**
   * Reported at /health but no reason for /health/ready to take the instance out of rotation: the
   * service goes on without it, degraded (e.g. the gateway's shared rate-limit counters).
   */
  readonly advisory?: boolean;
  check(): Promise<HealthState>;
}

/** A background worker (relay, router, notifier): starts once the application is up, stops at shutdown, reports its health. */
export type BackgroundWorker = OnApplicationBootstrap & OnApplicationShutdown & HealthIndicator;

export const HEALTH_INDICATORS = Symbol('HEALTH_INDICATORS');

/** What a service needs beyond its dependencies before it reports ready at /health/ready. */
export const READINESS_INDICATORS = Symbol('READINESS_INDICATORS');

/**
 * Ready once a file exists: `npm run hub` writes it when the demo set is seeded, so a probe
 * (a supervisor, a script waiting for the hub) does not act on a gateway that has no organizations
 * yet. Without a file named, this gate is open.
 */
export class ReadyFileIndicator implements HealthIndicator {
  readonly name = 'ready';

  constructor(private readonly file?: string) {}

  check(): Promise<HealthState> {
    if (!this.file || existsSync(this.file)) return Promise.resolve({ up: true });
    return Promise.resolve({ up: false, detail: 'the hub is still starting' });
  }
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  service: string;
  uptimeSeconds: number;
  checks: Record<string, HealthState>;
}

const CHECK_TIMEOUT_MS = 3000;

async function timed(indicator: HealthIndicator): Promise<HealthState> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<HealthState>((resolve) => {
      timer = setTimeout(
        () => resolve({ up: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
        CHECK_TIMEOUT_MS,
      );
    });
    const state = await Promise.race([indicator.check(), timeout]);
    return { ...state, latencyMs: Date.now() - started };
  } catch (error) {
    return {
      up: false,
      detail: error instanceof Error ? error.message : String(error),
      latencyMs: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function healthReport(
  service: string,
  indicators: readonly HealthIndicator[],
): Promise<HealthReport> {
  const states = await Promise.all(
    indicators.map(async (indicator) => [indicator.name, await timed(indicator)] as const),
  );
  return {
    status: states.every(([, state]) => state.up) ? 'ok' : 'degraded',
    service,
    uptimeSeconds: Math.round(process.uptime()),
    checks: Object.fromEntries(states),
  };
}

/** How long a detailed health report is served again before its checks run anew. */
export const HEALTH_REPORT_TTL_MS = 2000;

/**
 * A service's health report, checked at most once per `ttlMs` (concurrent askers share one run):
 * a flood of /health then costs one database and broker probe every couple of seconds, not one
 * per request.
 */
export class CachedHealthReport {
  private last: { report: Promise<HealthReport>; checkedAt: number } | null = null;

  constructor(
    private readonly service: string,
    private readonly indicators: readonly HealthIndicator[],
    private readonly ttlMs = HEALTH_REPORT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  report(): Promise<HealthReport> {
    const now = this.now();
    if (!this.last || now - this.last.checkedAt >= this.ttlMs) {
      this.last = { report: healthReport(this.service, this.indicators), checkedAt: now };
    }
    return this.last.report;
  }
}
