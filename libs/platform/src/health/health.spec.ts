import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { healthReport, ReadyFileIndicator } from './health';

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
