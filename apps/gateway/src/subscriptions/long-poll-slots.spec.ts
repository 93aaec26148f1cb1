import { ProblemException } from '@hub/platform';
import { LongPollSlots } from './long-poll-slots';

describe(LongPollSlots.name, () => {
  it('refuses an organization’s long poll past its limit with 429 and when to retry, others unaffected', () => {
    const slots = new LongPollSlots(2);
    const now = 1_000_000;
    const first = slots.take('fr-customs', now + 30_000, now);
    slots.take('fr-customs', now + 12_400, now);
    let refusal: unknown;
    try {
      slots.take('fr-customs', now + 30_000, now);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ProblemException);
    const problem = refusal as ProblemException;
    expect(problem.status).toBe(429);
    expect(problem.slug).toBe('long-poll-limit');
    // The earliest held poll ends in 12.4 s at the latest.
    expect(problem.headers['retry-after']).toBe('13');
    expect(() => slots.take('de-customs', now + 30_000, now)).not.toThrow();

    first();
    expect(slots.held('fr-customs')).toBe(1);
    expect(() => slots.take('fr-customs', now + 30_000, now)).not.toThrow();
    expect(slots.held('fr-customs')).toBe(2);
  });

  it('releases a slot once, however often its release is called', () => {
    const slots = new LongPollSlots(1);
    const release = slots.take('fr-customs', Date.now() + 1000);
    release();
    release();
    expect(slots.held('fr-customs')).toBe(0);
    slots.take('fr-customs', Date.now() + 1000);
    expect(() => slots.take('fr-customs', Date.now() + 1000)).toThrow(ProblemException);
  });
});
