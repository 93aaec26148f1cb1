import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CachedHealthReport, type HealthIndicator, healthReport, ReadyFileIndicator } from './health';

describe(ReadyFileIndicator.name, () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'cosmo-hub-ready-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('keeps readiness down until the file exists, and is open when no file is named', async () => {
    const file = path.join(folder, 'ready-3000');
    const gate = new ReadyFileIndicator(file);
    const before = await healthReport('gateway', [gate]);
    expect(before.status).toBe('degraded');
    expect(before.checks.ready).toMatchObject({ up: false, detail: 'the hub is still starting' });
    writeFileSync(file, 'now');
    expect((await healthReport('gateway', [gate])).status).toBe('ok');
    expect((await healthReport('gateway', [new ReadyFileIndicator()])).status).toBe('ok');
  });
});

describe(CachedHealthReport.name, () => {
  it('runs the checks at most once per interval, sharing a run between concurrent askers', async () => {
    let probes = 0;
    const database: HealthIndicator = {
      name: 'database',
      check: () => {
        probes += 1;
        return Promise.resolve({ up: true });
      },
    };
    let now = 10_000;
    const cached = new CachedHealthReport('gateway', [database], 2000, () => now);
    const flood = await Promise.all(Array.from({ length: 1000 }, () => cached.report()));
    expect(flood.every((report) => report.status === 'ok')).toBe(true);
    expect(probes).toBe(1);
    now += 1999;
    await cached.report();
    expect(probes).toBe(1);
    now += 1;
    await cached.report();
    expect(probes).toBe(2);
  });
});
