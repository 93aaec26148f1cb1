import type { NewOperation, OperationView } from '@hub/contracts';
import type { DemoCredential } from './demo-set';

export const DEMO_OPERATION_CODE = 'COSMO-DEMO';

const DAY = 86_400_000;

/**
 * The demo's joint operation, active from now for a year with COSMO's four phases: every demo
 * organization but the Secretariat (which runs it) takes part, the RILO for Western Europe
 * coordinating and the partner agencies observing.
 */
export function demoOperation(credentials: readonly DemoCredential[], now: Date): NewOperation {
  const at = (days: number): string => new Date(now.getTime() + days * DAY).toISOString();
  return {
    code: DEMO_OPERATION_CODE,
    name: 'COSMO demo',
    description:
      'Demo joint operation on strategic goods: records filed under it with handling "operation" reach its participants only.',
    // A minute back, so a record submitted at once is inside the period.
    period: { start: new Date(now.getTime() - 60_000).toISOString(), end: at(365) },
    phases: [
      { name: 'Intelligence gathering and targeting', start: at(-1 / 1440), end: at(30) },
      { name: 'Interdiction', start: at(30), end: at(180) },
      { name: 'Follow-up and investigation', start: at(180), end: at(330) },
      { name: 'Reporting', start: at(330), end: at(365) },
    ],
    participants: credentials
      .filter((credential) => credential.kind !== 'secretariat')
      .map((credential) => ({
        organization: credential.code,
        role:
          credential.code === 'rilo-we'
            ? 'coordinator'
            : credential.kind === 'partner'
              ? 'observer'
              : 'participant',
      })),
  };
}

export interface DemoOperation {
  code: string;
  name: string;
  status: string;
  reportUrl: string;
}

/**
 * Creates the demo operation as the demo Secretariat, or finds the one an earlier run created (a
 * code is unique; its period and status are then whatever that run and the clock made them).
 */
export async function seedDemoOperation(
  gatewayUrl: string,
  credentials: readonly DemoCredential[],
  now: Date = new Date(),
): Promise<DemoOperation> {
  const secretariat = credentials.find((credential) => credential.kind === 'secretariat');
  if (!secretariat) throw new Error('the demo set has no secretariat to run the demo operation');
  const headers = { authorization: `Bearer ${secretariat.apiKey}`, 'content-type': 'application/json' };
  const created = await fetch(`${gatewayUrl}/v1/operations`, {
    method: 'POST',
    headers,
    body: JSON.stringify(demoOperation(credentials, now)),
  });
  let view: OperationView;
  if (created.status === 201) view = (await created.json()) as OperationView;
  else if (created.status === 409) {
    const found = await fetch(`${gatewayUrl}/v1/operations/${DEMO_OPERATION_CODE}`, { headers });
    if (!found.ok) throw new Error(`reading the demo operation: ${found.status} ${await found.text()}`);
    view = (await found.json()) as OperationView;
  } else throw new Error(`creating the demo operation: ${created.status} ${await created.text()}`);
  return {
    code: view.code,
    name: view.name,
    status: view.status,
    reportUrl: `${gatewayUrl}/v1/operations/${view.code}/report`,
  };
}
