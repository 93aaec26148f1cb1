import { spawn } from 'node:child_process';
import {
  busyCores,
  CpuMeter,
  type CpuShares,
  medianShares,
  postgresServerPids,
  processCpuSeconds,
} from './cpu-shares';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(CpuMeter.name, () => {
  it('reads a process’s CPU time from /proc, and nothing for a process that is gone', () => {
    const before = processCpuSeconds(process.pid)!;
    // Busy on purpose until /proc shows it (however many cores others are using meanwhile).
    const giveUp = Date.now() + 20_000;
    while (processCpuSeconds(process.pid)! - before < 0.1 && Date.now() < giveUp);
    expect(processCpuSeconds(process.pid)! - before).toBeGreaterThanOrEqual(0.1);
    expect(processCpuSeconds(2 ** 22 + 1)).toBeNull();
  });

  it('tells the cores a busy child used apart from this process and the rest of the machine', async () => {
    const child = spawn(process.execPath, ['-e', 'for (;;);']);
    try {
      const meter = new CpuMeter({ busy: [child.pid!], gone: [2 ** 22 + 1] });
      const started = processCpuSeconds(child.pid!) ?? 0;
      for (let waited = 0; (processCpuSeconds(child.pid!) ?? 0) - started < 0.3 && waited < 200; waited += 1)
        await sleep(100);
      const shares = meter.stop();
      expect(Object.keys(shares.used)).toEqual(['load generator', 'busy', 'gone', 'rest of machine']);
      expect(shares.used.busy).toBeGreaterThan(0);
      expect(shares.used.busy).toBeLessThanOrEqual(1.05);
      expect(shares.used.busy * shares.seconds).toBeGreaterThanOrEqual(0.3);
      expect(shares.used.gone).toBe(0);
      // This process only slept and polled.
      expect(shares.used['load generator']).toBeLessThan(shares.used.busy);
      expect(shares.used['rest of machine']).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill();
    }
  });
});

describe('CPU shares over runs', () => {
  const run = (used: Record<string, number>): CpuShares => ({ seconds: 20, cores: 2, used });

  it('adds every share into the cores the machine was busy', () => {
    expect(busyCores(run({ gateway: 0.25, broker: 0.5, 'rest of machine': 0.75 }))).toBeCloseTo(1.5);
  });

  it('gives each process its median over the runs, in the order the meter named them', () => {
    const runs = [
      run({ gateway: 0.2, broker: 0.9 }),
      run({ gateway: 0.4, broker: 0.1 }),
      run({ gateway: 0.3, broker: 0.5 }),
    ];
    expect(medianShares(runs)).toBe('gateway 0.30, broker 0.50');
  });
});

describe(postgresServerPids.name, () => {
  it('finds the running PostgreSQL server’s processes and nothing else', () => {
    const pids = postgresServerPids();
    // The machine's PostgreSQL (the tests' and benchmarks' own) runs a postmaster and its writers.
    expect(pids.length).toBeGreaterThan(1);
    expect(pids).not.toContain(process.pid);
  });
});
