import type { AttemptResult } from './delivery-policy';
import { deadLetterPauseReason, GONE_REASON, nextStep, outcomeOf, statusFailure } from './delivery-policy';

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
