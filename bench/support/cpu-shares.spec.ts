import { spawn } from 'node:child_process';
import { CpuMeter, processCpuSeconds } from './cpu-shares';

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
