import { validateNewOperation } from '@hub/contracts';
import { DEMO_OPERATION_CODE, demoOperation } from './demo-operation';

describe(demoOperation.name, () => {
  const credentials = [
    { code: 'fr-customs', kind: 'member', apiKey: 'k1' },
    { code: 'rilo-we', kind: 'rilo', apiKey: 'k2' },
    { code: 'iaea', kind: 'partner', apiKey: 'k3' },
    { code: 'wco-secretariat', kind: 'secretariat', apiKey: 'k4' },
  ];
  const now = new Date('2026-12-06T15:00:00.000Z');

  it('is a valid operation, active from now, every demo organization but the Secretariat taking part', () => {
    const operation = demoOperation(credentials, now);

    expect(validateNewOperation(operation).ok).toBe(true);
    expect(operation.code).toBe(DEMO_OPERATION_CODE);
    expect(operation.name).toBe('COSMO demo');
    expect(Date.parse(operation.period.start)).toBeLessThan(now.getTime());
    expect(Date.parse(operation.period.end)).toBeGreaterThan(now.getTime());
    expect(operation.phases.map((phase) => phase.name)).toEqual([
      'Intelligence gathering and targeting',
      'Interdiction',
      'Follow-up and investigation',
      'Reporting',
    ]);
    expect(operation.participants).toEqual([
      { organization: 'fr-customs', role: 'participant' },
      { organization: 'rilo-we', role: 'coordinator' },
      { organization: 'iaea', role: 'observer' },
    ]);
  });
});
