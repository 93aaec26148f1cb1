import { type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  normalizeIp,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Counter } from 'prom-client';
import { HubMetrics, ProblemException, PUBLIC_ROUTE } from '@hub/platform';
import type { AuthenticatedRequest } from '../auth/caller';
import type { GatewayConfig } from '../gateway.config';
import type { SlidingWindowStorage } from './sliding-window.storage';

export const RECORD_WRITE = 'hub:record-write';

/** Routes that write records: they also count against the organization's lower write quota. */
export const RecordWrite = (): MethodDecorator => SetMetadata(RECORD_WRITE, true);

export const RATE_LIMIT_BUDGETS = ['organization', 'writes', 'operator', 'anonymous'] as const;
export type RateLimitBudget = (typeof RATE_LIMIT_BUDGETS)[number];

const MINUTE_MS = 60_000;

function requestOf(context: ExecutionContext): AuthenticatedRequest {
  return context.switchToHttp().getRequest<AuthenticatedRequest>();
}

function isRecordWrite(context: ExecutionContext): boolean {
  return Reflect.getMetadata(RECORD_WRITE, context.getHandler()) === true;
}

/** Counts hits as ThrottlerStorage does, and tells, without counting, whether a budget is blocked. */
export type RateLimitStorage = ThrottlerStorage & Pick<SlidingWindowStorage, 'isBlocked'>;

/**
 * The gateway's budgets, each over a sliding minute, counted in Redis (REDIS_URL: shared by every
 * gateway) or in this instance's memory:
 * - `organization`: every request with an organization's API key, tracked by organization
 *   (all its keys share it);
 * - `writes`: record submissions, revisions and withdrawals of an organization (the quota);
 * - `operator`: requests with the admin token;
 * - `anonymous`: requests without valid credentials, tracked by client address, and blocked
 *   for a whole minute once spent, to slow down key guessing. A caller with a valid key is never
 *   held back by the failures of others at the same address.
 */
export function rateLimitOptions(config: GatewayConfig, storage: RateLimitStorage): ThrottlerModuleOptions {
  return {
    storage,
    // Keys name the budget and the tracker (an organization id or an address): nothing secret.
    generateKey: (_context, tracker, budget) => `${budget}:${tracker}`,
    throttlers: [
      {
        name: 'organization',
        ttl: MINUTE_MS,
        limit: config.RATE_LIMIT_PER_MINUTE,
        blockDuration: 0,
        skipIf: (context) => !requestOf(context).caller,
        getTracker: (request) => (request as AuthenticatedRequest).caller!.id,
      },
      {
        name: 'writes',
        ttl: MINUTE_MS,
        limit: config.RATE_LIMIT_WRITES_PER_MINUTE,
        blockDuration: 0,
        skipIf: (context) => !requestOf(context).caller || !isRecordWrite(context),
        getTracker: (request) => (request as AuthenticatedRequest).caller!.id,
      },
      {
        name: 'operator',
        ttl: MINUTE_MS,
        limit: config.RATE_LIMIT_ADMIN_PER_MINUTE,
        blockDuration: 0,
        skipIf: (context) => !requestOf(context).operator,
        getTracker: () => 'operator',
      },
      {
        name: 'anonymous',
        ttl: MINUTE_MS,
        limit: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
        blockDuration: MINUTE_MS,
        skipIf: (context) => {
          const request = requestOf(context);
          return Boolean(request.caller ?? request.operator);
        },
        // An IPv6 client is tracked by its /64, as it can pick any address in it.
        getTracker: (request) => normalizeIp((request as AuthenticatedRequest).ip),
      },
    ],
  };
}

/**
 * Whether the client address is locked out (its anonymous budget spent): whatever it sends is
 * refused 429 by the rate limiter, so the API-key guard does not look an unknown key up for it.
 */
export function isLockedOutAddress(storage: ThrottlerStorage, ip: string): boolean {
  return (
    'isBlocked' in storage &&
    (storage as RateLimitStorage).isBlocked(`anonymous:${normalizeIp(ip)}`, 'anonymous')
  );
}

/**
 * Global guard, second of two (after ApiKeyGuard identified the caller): spends the caller's
 * budgets and answers 429 problem+json with Retry-After when one is exhausted, before anything
 * is read or written; then answers the refusal of bad credentials, if any. Health, metrics and
 * docs are never limited.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly refused: Counter<'budget'>;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(HubMetrics) metrics: HubMetrics,
  ) {
    super(options, storage, reflector);
    this.refused = metrics.counter('hub_gateway_rate_limited_total', 'Requests refused with 429, by budget', [
      'budget',
    ]);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    await super.canActivate(context);
    const refusal = requestOf(context).refusal;
    if (refusal) throw refusal;
    return true;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const budget = detail.key.slice(0, detail.key.indexOf(':'));
    this.refused.inc({ budget });
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new ProblemException(
      429,
      'too-many-requests',
      'Too many requests',
      `The ${budget} budget of ${detail.limit} requests a minute is spent; retry after ${retryAfter} s.`,
      undefined,
      { 'retry-after': String(retryAfter) },
    );
  }

  private isPublic(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) ===
      true
    );
  }
}
