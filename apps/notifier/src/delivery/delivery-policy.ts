import { STATUS_CODES } from 'node:http';
import type { ClaimedDelivery, DeliveryAttemptOutcome, DeliveryAttemptRecord } from '@hub/persistence';
import { retryDelayMs, SecretBoxError, WebhookTargetRefused, WebhookTimeout } from '@hub/webhooks';

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

/** Why an attempt failed before any answer, and whether the operator should be told beyond the attempt's record. */
export interface AttemptFailure {
  outcome: DeliveryAttemptOutcome;
  error: string;
  alarm: 'refused-target' | 'unreadable-secret' | null;
}

/** Classifies what a webhook attempt threw: the guard's refusal, a timeout, a secret that does not open, the network. */
export function attemptFailure(error: unknown): AttemptFailure {
  if (error instanceof WebhookTargetRefused) {
    // A name that does not resolve may be a passing DNS problem: an ordinary failed attempt.
    return error.reason === 'unresolvable'
      ? { outcome: 'failed', error: error.message, alarm: null }
      : { outcome: 'refused', error: error.message, alarm: 'refused-target' };
  }
  if (error instanceof WebhookTimeout) return { outcome: 'timeout', error: error.message, alarm: null };
  if (error instanceof SecretBoxError) {
    return { outcome: 'failed', error: 'the hub could not sign the delivery', alarm: 'unreadable-secret' };
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return { outcome: 'failed', error: `network error: ${detail}`, alarm: null };
}

/**
 * The queue's next claim after a delivery finished: none when it cannot find anything new, that
 * is when the delivery was done with, its chain held all its subscription had (claimed shorter
 * than the claim's depth) and the last claim left nothing behind: no delivery waiting behind a
 * leased one, none due beyond its limit (a delivery written since wakes the queue by NOTIFY).
 * Else none while enough are claimed ahead (half the slots), now when a quarter of the slots are
 * free, else after a short gather so that one claim fills several slots rather than one.
 */
export function claimAfterDelivery(state: {
  waiting: number;
  sending: number;
  maxInFlight: number;
  /** The delivery is done with (delivered or withdrawn): its subscription's next may follow. */
  done: boolean;
  /** Its chain was claimed at the full depth: the subscription may have more. */
  fullChain: boolean;
  /** The last claim left deliveries unclaimed: behind a leased head, or due beyond its limit. */
  leftBehind: boolean;
}): 'none' | 'now' | 'gather' {
  if (state.done && !state.fullChain && !state.leftBehind) return 'none';
  if (state.waiting * 2 >= state.maxInFlight) return 'none';
  return (state.maxInFlight - state.sending) * 4 >= state.maxInFlight ? 'now' : 'gather';
}

/** What a log line may say about a delivery: ids and the receiver's host, never the URL's path or query. */
export function describeDelivery(delivery: ClaimedDelivery): Record<string, string> {
  let host = 'invalid URL';
  try {
    host = new URL(delivery.webhookUrl).host;
  } catch {
    // Refused by the guard already; the host is only for the log.
  }
  return {
    subscriptionId: delivery.subscriptionId,
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    host,
  };
}
