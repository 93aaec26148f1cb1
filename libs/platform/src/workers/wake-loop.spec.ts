import { Backoff } from './backoff';
import { type RoundOutcome, WakeLoop } from './wake-loop';

/** A round the test finishes by hand, to hold it running while wake-ups arrive. */
function manualRounds(outcomes: (RoundOutcome | Error)[] = []) {
  const started: { finish: () => void }[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const round = (): Promise<RoundOutcome | void> => {
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    const outcome = outcomes.shift();
    return new Promise((resolve, reject) => {
      started.push({
        finish: () => {
          concurrent -= 1;
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      });
    });
  };
  return { round, started, maxConcurrent: () => maxConcurrent };
}

const backoff = (): Backoff => new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0 });

describe('WakeLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one round at a time and coalesces wake-ups during a round into one more', async () => {
    const rounds = manualRounds();
    const loop = new WakeLoop({ round: rounds.round, pollIntervalMs: 60_000, backoff: backoff() });
    loop.start();
    expect(rounds.started).toHaveLength(1);
    loop.wake();
    loop.wake();
    loop.wake();
    expect(rounds.started).toHaveLength(1);
    rounds.started[0].finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(rounds.started).toHaveLength(2);
    rounds.started[1].finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(rounds.started).toHaveLength(2);
    expect(rounds.maxConcurrent()).toBe(1);
    await loop.stop();
  });

  it('polls without wake-ups', async () => {
    let rounds = 0;
    const loop = new WakeLoop({
      round: () => Promise.resolve(void (rounds += 1)),
      pollIntervalMs: 1_000,
      backoff: backoff(),
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(3_500);
    expect(rounds).toBe(4);
    await loop.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(rounds).toBe(4);
  });

  it('looks again soon while work is held back, doubling while nothing progresses, from the start after progress', async () => {
    const times: number[] = [];
    const outcomes: RoundOutcome[] = [
      { heldBack: true },
      { heldBack: true },
      { heldBack: true },
      { heldBack: true, progressed: true },
      { heldBack: true },
      {},
    ];
    const loop = new WakeLoop({
      round: () => {
        times.push(Date.now());
        return Promise.resolve(outcomes.shift() ?? {});
      },
      pollIntervalMs: 60_000,
      heldBackMs: { initialMs: 5, maxMs: 15 },
      backoff: backoff(),
    });
    const start = Date.now();
    loop.start();
    await jest.advanceTimersByTimeAsync(200);
    expect(times.map((time) => time - start)).toEqual([0, 5, 15, 30, 35, 45]);
    await loop.stop();
  });

  it('a wake-up runs at once instead of waiting for a planned re-look', async () => {
    const times: number[] = [];
    const loop = new WakeLoop({
      round: () => {
        times.push(Date.now());
        return Promise.resolve({ heldBack: times.length === 1 });
      },
      pollIntervalMs: 60_000,
      heldBackMs: { initialMs: 50, maxMs: 50 },
      backoff: backoff(),
    });
    const start = Date.now();
    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    loop.wake();
    await jest.advanceTimersByTimeAsync(200);
    expect(times.map((time) => time - start)).toEqual([0, 10]);
    await loop.stop();
  });

  it('backs off after failures, holding wake-ups until the wait ends, and reports the last failure', async () => {
    const failures: number[] = [];
    const times: number[] = [];
    const outcomes: (Error | RoundOutcome)[] = [new Error('broker away'), new Error('still away'), {}];
    const loop = new WakeLoop({
      round: () => {
        times.push(Date.now());
        const outcome = outcomes.shift() ?? {};
        return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
      },
      pollIntervalMs: 60_000,
      backoff: backoff(),
      onFailure: (_error, retryInMs) => {
        failures.push(retryInMs);
      },
    });
    const start = Date.now();
    loop.start();
    await jest.advanceTimersByTimeAsync(50);
    expect(loop.lastFailure).toBe('broker away');
    loop.wake();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(failures).toEqual([100, 200]);
    expect(times.map((time) => time - start)).toEqual([0, 100, 300]);
    expect(loop.lastFailure).toBeNull();
    await loop.stop();
  });

  it('wakeWithin lets several reasons share one round, and keeps the soonest', async () => {
    let rounds = 0;
    const loop = new WakeLoop({
      round: () => Promise.resolve(void (rounds += 1)),
      pollIntervalMs: 60_000,
      backoff: backoff(),
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(0);
    loop.wakeWithin(20);
    loop.wakeWithin(5);
    loop.wakeWithin(10);
    await jest.advanceTimersByTimeAsync(4);
    expect(rounds).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(rounds).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('stop waits for the running round and starts no other', async () => {
    const rounds = manualRounds();
    const loop = new WakeLoop({ round: rounds.round, pollIntervalMs: 10, backoff: backoff() });
    loop.start();
    loop.wake();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    rounds.started[0].finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(100);
    expect(rounds.started).toHaveLength(1);
  });
});
