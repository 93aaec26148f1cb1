import Redis from 'ioredis';
import {
  type CountedIn,
  SharedSlidingWindowStorage,
} from '../../apps/gateway/src/rate-limit/shared-sliding-window.storage';
import {
  deleteRedisKeys,
  TEST_REDIS_URL,
  testRedisPrefix,
  UNREACHABLE_REDIS_URL,
} from '../support/test-redis';

const MINUTE_MS = 60_000;

describe('SharedSlidingWindowStorage against Redis: budgets counted once for every gateway', () => {
  const prefix = testRedisPrefix('storage');
  const clients: Redis[] = [];
  const counted: CountedIn[] = [];

  /** One gateway's storage, on a connection of its own (connected, as the gateway's is once it started). */
  const gateway = async (url = TEST_REDIS_URL): Promise<SharedSlidingWindowStorage> => {
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    redis.on('error', () => undefined);
    clients.push(redis);
    if (url === TEST_REDIS_URL) await redis.connect();
    return new SharedSlidingWindowStorage(redis, prefix, (where) => counted.push(where));
  };

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await deleteRedisKeys(prefix);
  });

  it('gives two gateways one budget: 6 hits on each against 10 a minute, the 11th and 12th refused', async () => {
    const [east, west] = [await gateway(), await gateway()];
    const outcomes = [];
    for (let round = 0; round < 6; round += 1)
      for (const storage of [east, west])
        outcomes.push(await storage.increment('org-fr', MINUTE_MS, 10, 0, 'organization'));
    expect(outcomes.map((outcome) => outcome.isBlocked)).toEqual([...Array(10).fill(false), true, true]);
    expect(outcomes.map((outcome) => outcome.totalHits)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11]);
    for (const refused of outcomes.slice(10)) {
      expect(refused.timeToBlockExpire).toBeGreaterThanOrEqual(59);
      expect(refused.timeToBlockExpire).toBeLessThanOrEqual(60);
    }
    // Another organization, another budget.
    expect((await east.increment('org-de', MINUTE_MS, 10, 0, 'organization')).isBlocked).toBe(false);
    expect(counted.every((where) => where === 'redis')).toBe(true);
  });

  it('slides: a hit counts for its ttl only, and refused hits are not counted', async () => {
    const [east, west] = [await gateway(), await gateway()];
    expect((await east.increment('org-ng', 1000, 2, 0, 'writes')).isBlocked).toBe(false);
    expect((await west.increment('org-ng', 1000, 2, 0, 'writes')).isBlocked).toBe(false);
    for (let refused = 0; refused < 5; refused += 1)
      expect((await east.increment('org-ng', 1000, 2, 0, 'writes')).isBlocked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await west.increment('org-ng', 1000, 2, 0, 'writes');
    expect(again).toMatchObject({ isBlocked: false, totalHits: 1 });
  });

  it('blocks a spent address for the block duration on every gateway, then starts afresh', async () => {
    const [east, west] = [await gateway(), await gateway()];
    const hit = (storage: SharedSlidingWindowStorage) =>
      storage.increment('203.0.113.7', MINUTE_MS, 3, 1500, 'anonymous');
    for (let spent = 0; spent < 3; spent += 1) expect((await hit(east)).isBlocked).toBe(false);
    expect(await hit(east)).toMatchObject({ isBlocked: true, timeToBlockExpire: 2 });
    expect(east.isBlocked('203.0.113.7', 'anonymous')).toBe(true);
    // The other gateway learns the block from Redis at its first hit, refused all the same.
    expect(west.isBlocked('203.0.113.7', 'anonymous')).toBe(false);
    expect((await hit(west)).isBlocked).toBe(true);
    expect(west.isBlocked('203.0.113.7', 'anonymous')).toBe(true);
    expect(east.isBlocked('198.51.100.1', 'anonymous')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(east.isBlocked('203.0.113.7', 'anonymous')).toBe(false);
    expect(await hit(west)).toMatchObject({ isBlocked: false, totalHits: 1 });
  });

  it('counts in this process memory while Redis does not answer, still holding the budget there', async () => {
    counted.length = 0;
    const alone = await gateway(UNREACHABLE_REDIS_URL);
    const outcomes = [];
    for (let hit = 0; hit < 4; hit += 1)
      outcomes.push(await alone.increment('org-fr', MINUTE_MS, 3, 0, 'organization'));
    expect(outcomes.map((outcome) => outcome.isBlocked)).toEqual([false, false, false, true]);
    expect(outcomes[3].timeToBlockExpire).toBeGreaterThanOrEqual(59);
    expect(counted).toEqual(['memory', 'memory', 'memory', 'memory']);
  });
});
