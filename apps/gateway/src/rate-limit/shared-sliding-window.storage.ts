import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { SlidingWindowStorage } from './sliding-window.storage';

type Outcome = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One hit against one budget, atomically in Redis, with Redis's clock (so gateways whose clocks
 * differ still agree). The same sliding windows as SlidingWindowStorage: each counted hit is a
 * member of a sorted set scored by when it leaves the window; refused hits are not counted;
 * a budget with a block duration, once spent, is blocked for that long (a key of its own) and
 * starts afresh after. KEYS: the hits, the block. ARGV: ttl ms, limit, block duration ms.
 * Returns total hits, ms until the oldest hit leaves, 1 when refused, ms until the block ends.
 */
const SLIDING_WINDOW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
if block > 0 then
  local blocked = redis.call('PTTL', KEYS[2])
  if blocked > 0 then return {limit + 1, blocked, 1, blocked} end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local hits = redis.call('ZCARD', KEYS[1])
if block <= 0 and hits >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local left = tonumber(oldest[2]) - now
  return {hits + 1, left, 1, left}
end
redis.call('ZADD', KEYS[1], now + ttl, time[1] .. '.' .. time[2] .. ':' .. hits)
redis.call('PEXPIRE', KEYS[1], ttl)
hits = hits + 1
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local left = tonumber(oldest[2]) - now
if block > 0 and hits > limit then
  redis.call('SET', KEYS[2], '1', 'PX', block)
  redis.call('DEL', KEYS[1])
  return {hits, left, 1, block}
end
return {hits, left, 0, 0}
`;

const MAX_REMEMBERED_BLOCKS = 10_000;

type SlidingWindowReply = [totalHits: number, msToExpire: number, refused: 0 | 1, msToBlockExpire: number];

interface SlidingWindowCommands {
  hubSlidingWindow(
    hits: string,
    block: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<SlidingWindowReply>;
}

/** Whether counting went to Redis or, Redis failing, to this process's memory. */
export type CountedIn = 'redis' | 'memory';

/**
 * The gateway's budgets counted in Redis, shared by every gateway on it: N gateways give an
 * organization one budget, not N. When Redis does not answer (down, unreachable, slower than
 * its command timeout), the hit is counted in this process's memory instead: the hub keeps
 * serving, each gateway holding the budget alone until Redis answers again. Refusing every
 * request instead would make the counters, which hold no data, a single point of failure for the
 * whole API, while authentication and authorization never depend on them.
 */
export class SharedSlidingWindowStorage implements ThrottlerStorage {
  /** Budgets this process saw blocked, until when (ms): spares the API-key guard a round trip. */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly onCounted: (where: CountedIn, error?: Error) => void,
    private readonly fallback = new SlidingWindowStorage(),
  ) {
    redis.defineCommand('hubSlidingWindow', { numberOfKeys: 2, lua: SLIDING_WINDOW_SCRIPT });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<Outcome> {
    // A hash tag keeps a budget's two keys in one slot, should the Redis be a cluster.
    const hits = `${this.keyPrefix}rate:{${throttlerName}:${key}}`;
    let reply: SlidingWindowReply;
    try {
      reply = await (this.redis as unknown as SlidingWindowCommands).hubSlidingWindow(
        hits,
        `${hits}:blocked`,
        ttl,
        limit,
        blockDuration,
      );
    } catch (error) {
      this.onCounted('memory', error instanceof Error ? error : new Error(String(error)));
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    this.onCounted('redis');
    const [totalHits, msToExpire, refused, msToBlockExpire] = reply;
    const isBlocked = refused === 1;
    if (isBlocked && blockDuration > 0) this.rememberBlocked(`${throttlerName}:${key}`, msToBlockExpire);
    return {
      totalHits,
      timeToExpire: seconds(msToExpire),
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds(msToBlockExpire) : 0,
    };
  }

  private rememberBlocked(name: string, msToBlockExpire: number): void {
    const now = Date.now();
    // Addresses blocked once and never seen again are dropped, not kept forever.
    if (this.blockedUntil.size >= MAX_REMEMBERED_BLOCKS)
      for (const [remembered, until] of this.blockedUntil)
        if (until <= now) this.blockedUntil.delete(remembered);
    if (this.blockedUntil.size < MAX_REMEMBERED_BLOCKS) this.blockedUntil.set(name, now + msToBlockExpire);
  }

  /**
   * Whether a budget is blocked, as far as this process knows without asking Redis: blocked by
   * its own hits, or found blocked by its last hit here. Another gateway's block is learnt at the
   * first hit here (refused all the same, by Redis).
   */
  isBlocked(key: string, throttlerName: string, now = Date.now()): boolean {
    const name = `${throttlerName}:${key}`;
    const until = this.blockedUntil.get(name);
    if (until !== undefined && until <= now) this.blockedUntil.delete(name);
    return (until !== undefined && until > now) || this.fallback.isBlocked(key, throttlerName, now);
  }
}

function seconds(milliseconds: number): number {
  return Math.max(0, Math.ceil(milliseconds / 1000));
}
