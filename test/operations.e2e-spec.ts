/**
 * Joint operations (issue 15): the secretariat creates, changes and closes them; participants read
 * theirs and file records under them; non-participants see nothing of them on any route.
 */
import { operationCode, sampleOperation, sampleSeizure, sampleAlert } from './support/fixtures';
import { type TestOrganization, withDatabase } from './support/hub-harness';
import { memberOf, partnerAgency, startHub, theSecretariat, type TestHub } from './support/hub-context';

interface OperationBody {
  code: string;
  status: string;
  participants: { organization: string; role: string }[];
  period: { start: string; end: string };
  phases: { name: string; start: string; end: string }[];
  closedAt: string | null;
  errors?: { field: string }[];
  type?: string;
}

const PROBLEM = 'https://cosmo-hub.example/problems/';

describe('joint operations', () => {
  let hub: TestHub;
  let secretariat: TestOrganization;
  let france: TestOrganization;
  let nigeria: TestOrganization;
  let iaea: TestOrganization;
  let outsider: TestOrganization;

  beforeAll(async () => {
    hub = await startHub();
    ({ secretariat, france, nigeria, iaea, outsider } = await hub.organizations({
      secretariat: theSecretariat(),
      france: memberOf('FR'),
      nigeria: memberOf('NG'),
      iaea: partnerAgency(),
      outsider: memberOf('DE'),
    }));
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
  });

  const as = (who: TestOrganization) => ({
    call: <T = OperationBody>(method: string, path: string, body?: unknown) =>
      hub.api<T>(method, path, { key: who.apiKey, body }),
  });

  async function createOperation(overrides: Record<string, unknown> = {}): Promise<OperationBody> {
    const created = await as(secretariat).call(
      'POST',
      '/v1/operations',
      sampleOperation(
        { [france.code]: 'coordinator', [nigeria.code]: 'participant', [iaea.code]: 'observer' },
        overrides,
      ),
    );
    expect(created.status).toBe(201);
    return created.body;
  }

  const fields = (body: OperationBody): string[] => (body.errors ?? []).map((error) => error.field);

  describe('POST /v1/operations', () => {
    it('creates an active operation for the secretariat (201) and audits it', async () => {
      const operation = await createOperation();
      expect(operation.status).toBe('active');
      expect(operation.participants).toEqual(
        expect.arrayContaining([
          { organization: france.code, role: 'coordinator' },
          { organization: iaea.code, role: 'observer' },
        ]),
      );
      const audited = await withDatabase((client) =>
        client.query<{ action: string }>(
          "SELECT action FROM audit_events WHERE resource_type = 'operation' AND resource_id = $1",
          [operation.code],
        ),
      );
      expect(audited.rows.map((row) => row.action)).toContain('operation.created');
    });

    it('derives planned from a period that has not started', async () => {
      const start = new Date(Date.now() + 86_400_000).toISOString();
      const end = new Date(Date.now() + 2 * 86_400_000).toISOString();
      const operation = await createOperation({ period: { start, end }, phases: [] });
      expect(operation.status).toBe('planned');
    });

    it('refuses anyone but the secretariat (403) and writes nothing', async () => {
      const body = sampleOperation({ [france.code]: 'participant' });
      const refused = await as(france).call('POST', '/v1/operations', body);
      expect(refused.status).toBe(403);
      const read = await as(secretariat).call('GET', `/v1/operations/${String(body.code)}`);
      expect(read.status).toBe(404);
    });

    it('refuses a taken code (409)', async () => {
      const operation = await createOperation();
      const again = await as(secretariat).call(
        'POST',
        '/v1/operations',
        sampleOperation({ [france.code]: 'participant' }, { code: operation.code }),
      );
      expect(again.status).toBe(409);
    });

    it('names period.end when the period ends before it starts (400)', async () => {
      const refused = await as(secretariat).call(
        'POST',
        '/v1/operations',
        sampleOperation(
          { [france.code]: 'participant' },
          { period: { start: '2026-06-01T00:00:00Z', end: '2026-05-01T00:00:00Z' }, phases: [] },
        ),
      );
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toEqual(['period.end']);
    });

    it('names a phase outside the period (400)', async () => {
      const refused = await as(secretariat).call(
        'POST',
        '/v1/operations',
        sampleOperation(
          { [france.code]: 'participant' },
          {
            period: { start: '2026-06-01T00:00:00Z', end: '2026-07-01T00:00:00Z' },
            phases: [
              { name: 'Targeting', start: '2026-06-01T00:00:00Z', end: '2026-06-10T00:00:00Z' },
              { name: 'Late', start: '2026-06-20T00:00:00Z', end: '2026-07-05T00:00:00Z' },
              { name: 'Early', start: '2026-05-20T00:00:00Z', end: '2026-06-05T00:00:00Z' },
            ],
          },
        ),
      );
      expect(refused.status).toBe(400);
      expect(fields(refused.body).sort()).toEqual(['phases[1].end', 'phases[2].start']);
    });

    it('names a participant that is not a registered organization (400)', async () => {
      const refused = await as(secretariat).call(
        'POST',
        '/v1/operations',
        sampleOperation({ [france.code]: 'participant', 'no-such-administration': 'participant' }),
      );
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toEqual(['participants[1].organization']);
    });

    it('names a template field outside the fixed list (400)', async () => {
      const refused = await as(secretariat).call(
        'POST',
        '/v1/operations',
        sampleOperation(
          { [france.code]: 'participant' },
          { template: { required: ['detectionMethod', 'title'] } },
        ),
      );
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toEqual(['template.required[1]']);
    });
  });

  describe('GET /v1/operations and /v1/operations/{code}', () => {
    it('shows an operation to its participants and the secretariat, and not to others (404)', async () => {
      const operation = await createOperation();
      for (const reader of [secretariat, france, nigeria, iaea]) {
        const read = await as(reader).call('GET', `/v1/operations/${operation.code}`);
        expect(read.status).toBe(200);
        expect(read.body.code).toBe(operation.code);
      }
      expect((await as(outsider).call('GET', `/v1/operations/${operation.code}`)).status).toBe(404);
      expect((await as(outsider).call('GET', `/v1/operations/${operationCode()}`)).status).toBe(404);
    });

    it('lists the operations an organization takes part in; all of them for the secretariat', async () => {
      const operation = await createOperation();
      const listed = async (who: TestOrganization): Promise<string[]> => {
        const list = await as(who).call<OperationBody[]>('GET', '/v1/operations');
        expect(list.status).toBe(200);
        return list.body.map((item) => item.code);
      };
      expect(await listed(secretariat)).toContain(operation.code);
      expect(await listed(nigeria)).toContain(operation.code);
      expect(await listed(outsider)).not.toContain(operation.code);
    });

    it('refuses a malformed code (400)', async () => {
      expect((await as(france).call('GET', '/v1/operations/no%20such')).status).toBe(400);
    });
  });
});
