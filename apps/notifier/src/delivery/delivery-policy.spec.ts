import type { ClaimedDelivery } from '@hub/persistence';
import { SecretBoxError, WebhookTargetRefused, WebhookTimeout } from '@hub/webhooks';
import type { AttemptResult } from './delivery-policy';
import {
  attemptFailure,
  claimAfterDelivery,
  deadLetterPauseReason,
  describeDelivery,
  GONE_REASON,
  nextStep,
  outcomeOf,
  statusFailure,
} from './delivery-policy';

const schedule = [0, 1_000, 10_000];
const middle = () => 0.5;

function result(outcome: AttemptResult['outcome'], statusCode: number | null, error: string | null = null) {
  return { outcome, statusCode, error, startedAt: new Date(), latencyMs: 12 };
}

describe(nextStep.name, () => {
  it('completes a delivery on any 2xx', () => {
    expect(outcomeOf(200)).toBe('delivered');
    expect(outcomeOf(204)).toBe('delivered');
    expect(outcomeOf(302)).toBe('failed');
    expect(nextStep(result('delivered', 202), 1, schedule)).toEqual({ kind: 'delivered' });
  });

  it('retries failures, timeouts and refusals on the schedule, then dead-letters', () => {
    const failed = result('failed', 503, statusFailure(503));
    expect(nextStep(failed, 1, schedule, middle)).toEqual({ kind: 'retry', delayMs: 1_000, pause: null });
    expect(nextStep(result('timeout', null, 'no answer'), 2, schedule, middle)).toEqual({
      kind: 'retry',
      delayMs: 10_000,
      pause: null,
    });
    expect(nextStep(failed, 3, schedule, middle)).toEqual({
      kind: 'dead-letter',
      reason: 'endpoint answered 503 Service Unavailable',
      pause: null,
    });
    expect(
      nextStep(result('refused', null, 'the webhook host is a loopback address'), 3, schedule),
    ).toMatchObject({
      kind: 'dead-letter',
      reason: 'the webhook host is a loopback address',
    });
  });

  it('pauses at once on 410 Gone, keeping the delivery for when the subscription resumes', () => {
    const gone = result('failed', 410, statusFailure(410));
    expect(nextStep(gone, 1, schedule, middle)).toEqual({ kind: 'retry', delayMs: 0, pause: GONE_REASON });
    expect(nextStep(gone, 3, schedule, middle)).toEqual({
      kind: 'dead-letter',
      reason: 'endpoint answered 410 Gone',
      pause: GONE_REASON,
    });
  });

  it('explains a pause after a run of dead letters', () => {
    expect(deadLetterPauseReason(3, 'endpoint answered 500 Internal Server Error')).toBe(
      '3 deliveries in a row went to the dead-letter topic; last error: endpoint answered 500 Internal Server Error',
    );
  });
});

describe(attemptFailure.name, () => {
  it('refuses a forbidden target with an alarm, but counts an unresolvable name as an ordinary failure', () => {
    expect(attemptFailure(new WebhookTargetRefused('loopback', '127.0.0.1'))).toEqual({
      outcome: 'refused',
      error: 'the webhook host is a loopback address',
      alarm: 'refused-target',
    });
    expect(attemptFailure(new WebhookTargetRefused('unresolvable'))).toEqual({
      outcome: 'failed',
      error: 'the webhook host does not resolve',
      alarm: null,
    });
  });

  it('tells a timeout, an unreadable secret and a network error apart', () => {
    expect(attemptFailure(new WebhookTimeout(100))).toEqual({
      outcome: 'timeout',
      error: 'no complete answer within 100 ms',
      alarm: null,
    });
    // The secret's failure never carries the secret's own message into the delivery's record.
    expect(attemptFailure(new SecretBoxError('bad tag for key abc'))).toEqual({
      outcome: 'failed',
      error: 'the hub could not sign the delivery',
      alarm: 'unreadable-secret',
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(attemptFailure(refused)).toEqual({
      outcome: 'failed',
      error: 'network error: ECONNREFUSED',
      alarm: null,
    });
    expect(attemptFailure(new Error('socket hang up')).error).toBe('network error: socket hang up');
    expect(attemptFailure('odd').error).toBe('network error: odd');
  });
});

describe(claimAfterDelivery.name, () => {
  const unknown = { done: true, fullChain: false, leftBehind: true };

  it('does not claim while half the slots are covered by deliveries claimed ahead', () => {
    expect(claimAfterDelivery({ waiting: 16, sending: 32, maxInFlight: 32, ...unknown })).toBe('none');
    expect(claimAfterDelivery({ waiting: 40, sending: 0, maxInFlight: 32, ...unknown })).toBe('none');
  });

  it('claims now when a quarter of the slots are free, else gathers a few finished deliveries first', () => {
    expect(claimAfterDelivery({ waiting: 0, sending: 24, maxInFlight: 32, ...unknown })).toBe('now');
    expect(claimAfterDelivery({ waiting: 15, sending: 0, maxInFlight: 32, ...unknown })).toBe('now');
    expect(claimAfterDelivery({ waiting: 0, sending: 25, maxInFlight: 32, ...unknown })).toBe('gather');
    expect(claimAfterDelivery({ waiting: 0, sending: 0, maxInFlight: 1, ...unknown })).toBe('now');
  });

  it('does not claim when nothing can have become claimable: done, a short chain, nothing left behind', () => {
    const idle = { waiting: 0, sending: 0, maxInFlight: 32 };
    expect(claimAfterDelivery({ ...idle, done: true, fullChain: false, leftBehind: false })).toBe('none');
    expect(claimAfterDelivery({ ...idle, done: true, fullChain: false, leftBehind: true })).toBe('now');
    expect(claimAfterDelivery({ ...idle, done: true, fullChain: true, leftBehind: false })).toBe('now');
    // A failed attempt gave the rest of its chain back: claimed again in order, after the retry.
    expect(claimAfterDelivery({ ...idle, done: false, fullChain: false, leftBehind: false })).toBe('now');
  });
});

describe(describeDelivery.name, () => {
  const delivery = {
    id: 'd-1',
    subscriptionId: 's-1',
    eventId: 'e-1',
    webhookUrl: 'https://user:pass@hooks.example.org:8443/path/token?key=secret',
  } as ClaimedDelivery;

  it('names the ids and the host, never the credentials, path or query of the URL', () => {
    const described = describeDelivery(delivery);
    expect(described).toEqual({
      subscriptionId: 's-1',
      deliveryId: 'd-1',
      eventId: 'e-1',
      host: 'hooks.example.org:8443',
    });
    expect(JSON.stringify(described)).not.toMatch(/pass|token|secret/);
  });

  it('says so when the URL does not parse', () => {
    expect(describeDelivery({ ...delivery, webhookUrl: 'not a url' }).host).toBe('invalid URL');
  });
});
