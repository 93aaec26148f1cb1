import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

/**
 * The Redis the tests count rate limits in: TEST_REDIS_URL, else the machine's own. Tests share
 * it with anyone else on the machine, so each run writes under a prefix of its own and deletes
 * only its own keys (never FLUSHDB).
 */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A key prefix no other run uses. */
export function testRedisPrefix(purpose: string): string {
  return `cosmo-hub-test:${purpose}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes the keys under a test's prefix. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A loopback URL nothing listens on: a Redis that is down. */
export const UNREACHABLE_REDIS_URL = 'redis://127.0.0.1:1/0';
