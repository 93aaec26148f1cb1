import type { ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  /** When each counted hit leaves the window, oldest first (one budget: one ttl, so in order). */
  expirations: number[];
  /** Index of the oldest hit still in the window; those before it have expired. */
  head: number;
  expiresAt: number;
  isBlocked: boolean;
  blockExpiresAt: number;
}

type Outcome = Awaited<ReturnType<ThrottlerStorage['increment']>>;

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The throttler's in-memory sliding windows, as @nestjs/throttler's own storage counts them (same
 * answers), at a constant cost per request: that one copies every hit of the last minute on each
 * request (and spreads them all into Math.min), so a busy organization paid for its own traffic
 * on every call. Hits expire in the order they came, so expiring them is moving a head forward.
 */
export class SlidingWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private sweeper: NodeJS.Timeout | null = null;

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<Outcome> {
    return Promise.resolve(this.count(`${throttlerName}:${key}`, ttl, limit, blockDuration, Date.now()));
  }

  private count(key: string, ttl: number, limit: number, blockDuration: number, now: number): Outcome {
    this.sweeper ??= this.startSweeping();
    let window = this.windows.get(key);
    if (!window) {
      window = { expirations: [], head: 0, expiresAt: now + ttl, isBlocked: false, blockExpiresAt: 0 };
      this.windows.set(key, window);
    }
    expire(window, now);
    let timeToExpire = seconds(window.expiresAt - now);
    if (timeToExpire <= 0) {
      window.expiresAt = now + ttl;
      timeToExpire = seconds(window.expiresAt - now);
    }
    if (blockDuration <= 0) {
      // Refused hits are not counted: the window empties as the counted ones expire.
      const isBlocked = hits(window) >= limit;
      if (!isBlocked) window.expirations.push(now + ttl);
      const oldest = window.expirations[window.head];
      return {
        totalHits: hits(window) + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? (oldest !== undefined ? seconds(oldest - now) : timeToExpire) : 0,
      };
    }
    // Once spent, the budget is blocked for blockDuration, whatever expires meanwhile.
    if (!window.isBlocked) window.expirations.push(now + ttl);
    if (hits(window) > limit && !window.isBlocked) {
      window.isBlocked = true;
      window.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = seconds(window.blockExpiresAt - now);
    if (timeToBlockExpire <= 0 && window.isBlocked) {
      window.isBlocked = false;
      window.expirations = [now + ttl];
      window.head = 0;
    }
    return { totalHits: hits(window), timeToExpire, isBlocked: window.isBlocked, timeToBlockExpire };
  }

  /** Whether a budget is blocked now (one with a block duration, spent), without counting a hit. */
  isBlocked(key: string, throttlerName: string, now = Date.now()): boolean {
    const window = this.windows.get(`${throttlerName}:${key}`);
    return window !== undefined && window.isBlocked && window.blockExpiresAt > now;
  }

  /** Windows held (idle ones until the next sweep). */
  get size(): number {
    return this.windows.size;
  }

  /** Forgets idle windows, so addresses seen once do not stay in memory. */
  sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) {
      if (window.isBlocked && window.blockExpiresAt > now) continue;
      if (window.expiresAt > now) continue;
      expire(window, now);
      if (hits(window) === 0) this.windows.delete(key);
    }
  }

  private startSweeping(): NodeJS.Timeout {
    const timer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    timer.unref();
    return timer;
  }
}

function seconds(milliseconds: number): number {
  return Math.ceil(milliseconds / 1000);
}

function hits(window: Window): number {
  return window.expirations.length - window.head;
}

function expire(window: Window, now: number): void {
  const { expirations } = window;
  while (window.head < expirations.length && expirations[window.head] <= now) window.head += 1;
  // Drop the expired prefix once it is the larger part: amortized constant work per hit.
  if (window.head > 64 && window.head * 2 > expirations.length) {
    window.expirations = expirations.slice(window.head);
    window.head = 0;
  }
}
