const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * When each attempt is made, as a delay after the previous one failed (the first is the delay
 * after the event was routed): Standard Webhooks' schedule, ten attempts over a little more than
 * three days: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** Spread of each delay, so that subscribers recovering from an outage are not hit all at once. */
export const RETRY_JITTER = 0.2;

/** Parses `WEBHOOK_RETRY_SCHEDULE_MS` (comma-separated milliseconds, e.g. `0,5000,300000`). */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  const schedule = parts.map(Number);
  if (parts.some((part) => !/^\d+$/.test(part)) || schedule.some((delay) => !Number.isSafeInteger(delay))) {
    throw new RangeError('a retry schedule is a comma-separated list of non-negative integers (ms)');
  }
  return schedule;
}

/**
 * The delay before the next attempt, once `attempts` attempts have failed (1 after the first),
 * with ±20 % jitter; null when the schedule allows no further attempt.
 */
export function retryDelayMs(
  attempts: number,
  scheduleMs: readonly number[],
  random: () => number = Math.random,
): number | null {
  if (attempts < 1 || attempts >= scheduleMs.length) return null;
  const base = scheduleMs[attempts];
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
}
