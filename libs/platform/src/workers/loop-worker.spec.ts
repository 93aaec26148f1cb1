import { Logger } from '@nestjs/common';
import { Backoff } from './backoff';
import { LoopWorker, type WorkerActivity } from './loop-worker';
import type { RoundOutcome } from './wake-loop';

/** A worker whose rounds fail while `failing` is set, and whose activity the test chooses. */
class CountingWorker extends LoopWorker {
  readonly name = 'counting';
  rounds = 0;
  failing: Error | null = null;
  failuresSeen: unknown[] = [];
  reported: string | WorkerActivity = 'counting rounds';

  constructor(downOnFailure: boolean) {
    super({
      pollIntervalMs: 1_000,
      backoff: new Backoff({ initialMs: 100, maxMs: 100, jitter: 0 }),
      failureMessage: 'counting failed; will retry',
      downOnFailure,
    });
  }

  protected override round(): Promise<RoundOutcome> {
    this.rounds += 1;
    return this.failing ? Promise.reject(this.failing) : Promise.resolve({ progressed: true });
  }

  protected override afterFailure(error: unknown): void {
    this.failuresSeen.push(error);
  }

  protected override activity(): string | WorkerActivity {
    return this.reported;
  }
}

/** Lets the loop's promises settle under fake timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

describe('LoopWorker', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
    jest.useRealTimers();
  });

  it('runs no round before the application is up, one at bootstrap, then one per poll interval until shutdown', async () => {
    const worker = new CountingWorker(true);
    jest.advanceTimersByTime(5_000);
    expect(worker.rounds).toBe(0);
    await worker.onApplicationBootstrap();
    await settle();
    expect(worker.rounds).toBe(1);
    jest.advanceTimersByTime(1_000);
    await settle();
    expect(worker.rounds).toBe(2);
    await worker.onApplicationShutdown();
    jest.advanceTimersByTime(5_000);
    await settle();
    expect(worker.rounds).toBe(2);
  });

  it('logs a failed round under the worker’s name, tells the subclass, and takes the health down until a round succeeds', async () => {
    const worker = new CountingWorker(true);
    worker.failing = new Error('database unreachable');
    await worker.onApplicationBootstrap();
    await settle();
    expect(warn).toHaveBeenCalledWith({
      msg: 'counting failed; will retry',
      err: 'database unreachable',
      retryInMs: 100,
    });
    expect(worker.failuresSeen).toEqual([worker.failing]);
    await expect(worker.check()).resolves.toEqual({
      up: false,
      detail: 'counting rounds; last error: database unreachable',
    });
    worker.failing = null;
    jest.advanceTimersByTime(100);
    await settle();
    await expect(worker.check()).resolves.toEqual({ up: true, detail: 'counting rounds' });
    await worker.onApplicationShutdown();
  });

  it('keeps the health up after a failure of work that can wait, showing the error', async () => {
    const worker = new CountingWorker(false);
    worker.failing = new Error('lock timeout');
    await worker.onApplicationBootstrap();
    await settle();
    await expect(worker.check()).resolves.toEqual({
      up: true,
      detail: 'counting rounds; last error: lock timeout',
    });
    await worker.onApplicationShutdown();
  });

  it('is down while its activity reports a fault, whatever its rounds do', async () => {
    const worker = new CountingWorker(false);
    worker.reported = { detail: '3 pending', fault: '2 rows no relay reads' };
    await worker.onApplicationBootstrap();
    await settle();
    await expect(worker.check()).resolves.toEqual({ up: false, detail: '3 pending; 2 rows no relay reads' });
    worker.reported = { detail: '0 pending', fault: null };
    await expect(worker.check()).resolves.toEqual({ up: true, detail: '0 pending' });
    await worker.onApplicationShutdown();
  });
});
