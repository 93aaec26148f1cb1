import { STATUS_CODES } from 'node:http';
import type { DeliveryAttemptOutcome, DeliveryAttemptRecord } from '@hub/persistence';
import { retryDelayMs } from '@hub/webhooks';

export type AttemptResult = DeliveryAttemptRecord;

/** What to do with a delivery after an attempt. `pause` carries the reason to pause its subscription. */
export type NextStep =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number; pause: string | null }
  | { kind: 'dead-letter'; reason: string; pause: string | null };

export const GONE_REASON = 'endpoint answered 410 Gone';

/** The human-readable reason a subscription is paused after a run of dead letters. */
export function deadLetterPauseReason(consecutiveFailures: number, lastError: string): string {
  return `${consecutiveFailures} deliveries in a row went to the dead-letter topic; last error: ${lastError}`;
}

export function statusFailure(statusCode: number): string {
  const text = STATUS_CODES[statusCode];
  return `endpoint answered ${statusCode}${text ? ` ${text}` : ''}`;
}

export function outcomeOf(statusCode: number): DeliveryAttemptOutcome {
  return statusCode >= 200 && statusCode < 300 ? 'delivered' : 'failed';
}

/**
 * Decides after attempt number `attemptsMade` (1-based, in this round): 2xx is delivered; 410 Gone
 * pauses the subscription at once (the delivery waits, in order, for it to be resumed); anything
 * else is retried on the schedule with jitter until the schedule runs out, then dead-lettered.
 */
export function nextStep(
  result: AttemptResult,
  attemptsMade: number,
  scheduleMs: readonly number[],
  random: () => number = Math.random,
): NextStep {
  if (result.outcome === 'delivered') return { kind: 'delivered' };
  const pause = result.statusCode === 410 ? GONE_REASON : null;
  const delay = retryDelayMs(attemptsMade, scheduleMs, random);
  if (delay === null) {
    return { kind: 'dead-letter', reason: result.error ?? 'delivery failed', pause };
  }
  return { kind: 'retry', delayMs: pause ? 0 : delay, pause };
}
