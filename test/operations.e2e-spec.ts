/**
 * Joint operations (issue 15): the secretariat creates, changes and closes them; participants read
 * theirs and file records under them; non-participants see nothing of them on any route.
 */
import { OPERATIONS_TOPIC, regionalTopic } from '@hub/contracts';
import { operationCode, sampleAlert, sampleOperation, sampleSeizure } from './support/fixtures';
import {
  expectEventually,
  readTopic,
  readTopicToEnd,
  type TestOrganization,
  withDatabase,
} from './support/hub-harness';
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

interface FeedPage {
  events: { type: string; operation?: string; data: { id: string } }[];
  nextCursor: string | null;
}

describe('joint operations', () => {
  let hub: TestHub;
  let secretariat: TestOrganization;
  let france: TestOrganization;
  let nigeria: TestOrganization;
  let iaea: TestOrganization;
  let outsider: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({
      services: ['relay', 'router', 'notifier'],
      receiver: { secret: null },
      env: { relay: { OPERATION_MILESTONE_INTERVAL_MS: '200' } },
    });
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

  /** A seizure of the operation, as its participants file it. */
  const operationSeizure = (code: string, overrides: Record<string, unknown> = {}) =>
    sampleSeizure({ handling: 'operation', operation: code, ...overrides });

  describe('records filed under an operation', () => {
    let operation: OperationBody;

    beforeAll(async () => {
      operation = await createOperation({
        template: { required: ['commodities[].controlListRef', 'concealment'] },
      });
    });

    const templateFilled = (code: string, overrides: Record<string, unknown> = {}) =>
      operationSeizure(code, {
        concealment: 'Drums declared as industrial solvent',
        commodities: [
          {
            hsCode: '293100',
            description: 'Organo-phosphorus compound, CWC Schedule 2 precursor',
            category: 'chemical',
            controlListRef: 'CWC Schedule 2',
            quantity: { value: 400, unit: 'kg' },
          },
        ],
        ...overrides,
      });

    it("accepts a participant's record that fills the template (201), with the operation on it", async () => {
      const created = await hub.submit(nigeria, 'seizure', templateFilled(operation.code));
      expect(created).toMatchObject({ operation: operation.code, handling: 'operation' });
    });

    it('names each template field the record leaves empty (400) and writes nothing', async () => {
      const body = operationSeizure(operation.code, { concealment: undefined });
      const refused = await as(nigeria).call('POST', '/v1/seizures', body);
      expect(refused.status).toBe(400);
      expect(fields(refused.body).sort()).toEqual(['commodities[0].controlListRef', 'concealment']);
      // The reference is still free.
      await hub.submit(nigeria, 'seizure', { ...templateFilled(operation.code), reference: body.reference });
    });

    it('refuses a non-participant (403), nothing written, the reference free', async () => {
      const body = templateFilled(operation.code);
      const refused = await as(outsider).call('POST', '/v1/seizures', body);
      expect(refused.status).toBe(403);
      const again = await as(outsider).call<{ operation?: string }>('POST', '/v1/seizures', {
        ...body,
        handling: 'members',
        operation: undefined,
      });
      expect(again.status).toBe(201);
      expect(again.body.operation).toBeUndefined();
    });

    it('refuses a record of an operation not started (409 operation-not-active)', async () => {
      const start = new Date(Date.now() + 86_400_000).toISOString();
      const end = new Date(Date.now() + 2 * 86_400_000).toISOString();
      const planned = await createOperation({ period: { start, end }, phases: [] });
      const refused = await as(nigeria).call('POST', '/v1/seizures', operationSeizure(planned.code));
      expect(refused.status).toBe(409);
      expect(refused.body.type).toBe(`${PROBLEM}operation-not-active`);
    });

    it("names operation when handling is 'operation' without one (400)", async () => {
      const refused = await as(nigeria).call('POST', '/v1/alerts', sampleAlert({ handling: 'operation' }));
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toEqual(['operation']);
    });

    it('lets participants, observers, the secretariat and the originator read it; others get 404', async () => {
      const seizure = await hub.submit(nigeria, 'seizure', templateFilled(operation.code));
      for (const reader of [nigeria, france, iaea, secretariat])
        expect((await as(reader).call('GET', `/v1/seizures/${seizure.id}`)).status).toBe(200);
      expect((await as(outsider).call('GET', `/v1/seizures/${seizure.id}`)).status).toBe(404);
      const listed = async (who: TestOrganization): Promise<string[]> => {
        const page = await as(who).call<{ items: { id: string; operation?: string }[] }>(
          'GET',
          `/v1/seizures?operation=${operation.code}&limit=200`,
        );
        expect(page.status).toBe(200);
        for (const item of page.body.items) expect(item.operation).toBe(operation.code);
        return page.body.items.map((item) => item.id);
      };
      expect(await listed(iaea)).toContain(seizure.id);
      expect(await listed(secretariat)).toContain(seizure.id);
      expect(await listed(outsider)).toEqual([]);
    });

    it('keeps the operation fixed: a PATCH naming it is refused (400)', async () => {
      const seizure = await hub.submit(nigeria, 'seizure', templateFilled(operation.code));
      const refused = await as(nigeria).call('PATCH', `/v1/seizures/${seizure.id}`, {
        operation: operationCode(),
      });
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toEqual(['operation']);
    });
  });

  describe('PATCH /v1/operations/{code}', () => {
    it('lets a coordinator edit the phases, and nothing else (403)', async () => {
      const operation = await createOperation();
      const phases = [{ name: 'Follow-up', start: operation.period.start, end: operation.period.end }];
      const edited = await as(france).call('PATCH', `/v1/operations/${operation.code}`, { phases });
      expect(edited.status).toBe(200);
      expect(edited.body.phases).toEqual(phases);
      const refused = await as(france).call('PATCH', `/v1/operations/${operation.code}`, {
        addParticipants: [{ organization: outsider.code, role: 'participant' }],
      });
      expect(refused.status).toBe(403);
    });

    it('refuses a participant that does not coordinate (403) and a non-participant (404)', async () => {
      const operation = await createOperation();
      const phases: unknown[] = [];
      expect((await as(nigeria).call('PATCH', `/v1/operations/${operation.code}`, { phases })).status).toBe(
        403,
      );
      expect((await as(outsider).call('PATCH', `/v1/operations/${operation.code}`, { phases })).status).toBe(
        404,
      );
    });

    it('extends the period, never shortens it (400 naming periodEnd)', async () => {
      const operation = await createOperation();
      const later = new Date(Date.parse(operation.period.end) + 86_400_000).toISOString();
      const extended = await as(secretariat).call('PATCH', `/v1/operations/${operation.code}`, {
        periodEnd: later,
      });
      expect(extended.status).toBe(200);
      expect(Date.parse(extended.body.period.end)).toBe(Date.parse(later));
      const shortened = await as(secretariat).call('PATCH', `/v1/operations/${operation.code}`, {
        periodEnd: operation.period.start,
      });
      expect(shortened.status).toBe(400);
      expect(fields(shortened.body)).toEqual(['periodEnd']);
    });

    it('names an added participant that is not registered (400)', async () => {
      const operation = await createOperation();
      const refused = await as(secretariat).call('PATCH', `/v1/operations/${operation.code}`, {
        addParticipants: [{ organization: 'no-such-administration', role: 'observer' }],
      });
      expect(refused.status).toBe(400);
      expect(fields(refused.body)).toEqual(['addParticipants[0].organization']);
    });
  });

  describe('channels', () => {
    async function pulled(who: TestOrganization, subscription: string): Promise<FeedPage['events']> {
      const events: FeedPage['events'] = [];
      let after: string | null = null;
      for (;;) {
        const page: { body: FeedPage } = await hub.api(
          'GET',
          `/v1/subscriptions/${subscription}/events?limit=500${after ? `&after=${after}` : ''}`,
          { key: who.apiKey },
        );
        if (page.body.events.length === 0) return events;
        events.push(...page.body.events);
        after = page.body.nextCursor;
      }
    }

    it("reaches the operation's feeds with ce_operation, never a non-participant's feed, webhook or regional stream", async () => {
      const operation = await createOperation();
      const path = `${new URL(hub.receiver.url).pathname}/${outsider.code}`;
      const byOperation = await hub.subscribe(iaea, { filter: { operations: [operation.code] } });
      const everythingOfOutsider = await hub.subscribe(outsider);
      await hub.subscribe(outsider, {
        delivery: { type: 'webhook', url: `${new URL(hub.receiver.url).origin}${path}` },
      });
      const record = await hub.submit(
        nigeria,
        'seizure',
        operationSeizure(operation.code, { country: 'FR' }),
      );
      // A witness of the same route, that every channel carries: once it is everywhere, so would the record be.
      const witness = await hub.submit(
        nigeria,
        'seizure',
        sampleSeizure({ handling: 'community', country: 'FR' }),
      );

      await expectEventually(async () => {
        const events = await pulled(iaea, byOperation.id);
        expect(events.map((event) => event.data.id)).toEqual([record.id]);
        expect(events[0].operation).toBe(operation.code);
      });
      await expectEventually(async () => {
        expect((await pulled(outsider, everythingOfOutsider.id)).map((event) => event.data.id)).toContain(
          witness.id,
        );
        const webhooked = hub.receiver.requests
          .filter((request) => request.path === path)
          .map((request) => (JSON.parse(request.body) as { subject: string }).subject);
        expect(webhooked).toContain(witness.id);
      });
      expect((await pulled(outsider, everythingOfOutsider.id)).map((event) => event.data.id)).not.toContain(
        record.id,
      );
      expect(
        hub.receiver.requests.filter((request) => request.path === path).map((request) => request.body),
      ).not.toEqual(expect.arrayContaining([expect.stringContaining(record.id)]));

      await expectEventually(
        async () =>
          expect((await readTopicToEnd(regionalTopic('europe'))).map((m) => m.key)).toContain(witness.id),
        30_000,
        500,
      );
      expect((await readTopicToEnd(regionalTopic('europe'))).map((m) => m.key)).not.toContain(record.id);
    });

    it('stops everything new for a removed participant at once, recalling nothing delivered', async () => {
      const operation = await createOperation();
      const feed = await hub.subscribe(iaea, { filter: { operations: [operation.code] } });
      const before = await hub.submit(nigeria, 'seizure', operationSeizure(operation.code));
      await expectEventually(async () =>
        expect((await pulled(iaea, feed.id)).map((event) => event.data.id)).toEqual([before.id]),
      );
      const removed = await as(secretariat).call('PATCH', `/v1/operations/${operation.code}`, {
        removeParticipants: [iaea.code],
      });
      expect(removed.status).toBe(200);
      expect(removed.body.participants.map((participant) => participant.organization)).not.toContain(
        iaea.code,
      );
      // At once: the REST read, the operation itself.
      expect((await as(iaea).call('GET', `/v1/seizures/${before.id}`)).status).toBe(404);
      expect((await as(iaea).call('GET', `/v1/operations/${operation.code}`)).status).toBe(404);
      const after = await hub.submit(nigeria, 'seizure', operationSeizure(operation.code));
      // A witness the same feed would take, were it still a participant's: France's subscription shows routing passed it.
      const franceFeed = await hub.subscribe(france, { filter: { operations: [operation.code] } });
      const witness = await hub.submit(nigeria, 'seizure', operationSeizure(operation.code));
      await expectEventually(async () =>
        expect((await pulled(france, franceFeed.id)).map((event) => event.data.id)).toContain(witness.id),
      );
      // Nothing new was matched to it and nothing recalled: its feed holds the one entry it had.
      // (Reads are checked too: its feed no longer serves the operation's records to it.)
      const entries = await withDatabase((client) =>
        client.query<{ record_id: string; event_type: string }>(
          'SELECT record_id, event_type FROM feed_entries WHERE subscription_id = $1 ORDER BY id',
          [feed.id],
        ),
      );
      expect(entries.rows).toEqual([{ record_id: before.id, event_type: 'seizure.published' }]);
      expect(await pulled(iaea, feed.id)).toEqual([]);
      expect(after.id).not.toBe(before.id);
    });
  });

  describe('closing and the operation topic', () => {
    it('closes for the secretariat (200), refuses participants (403) and others (404); later records 409', async () => {
      const operation = await createOperation();
      expect((await as(france).call('POST', `/v1/operations/${operation.code}/close`)).status).toBe(403);
      expect((await as(outsider).call('POST', `/v1/operations/${operation.code}/close`)).status).toBe(404);
      const closed = await as(secretariat).call('POST', `/v1/operations/${operation.code}/close`);
      expect(closed.status).toBe(200);
      expect(closed.body.status).toBe('closed');
      expect(closed.body.closedAt).not.toBeNull();
      const refused = await as(nigeria).call('POST', '/v1/seizures', operationSeizure(operation.code));
      expect(refused.status).toBe(409);
      expect(refused.body.type).toBe(`${PROBLEM}operation-not-active`);
      const audited = await withDatabase((client) =>
        client.query<{ action: string }>(
          "SELECT action FROM audit_events WHERE resource_type = 'operation' AND resource_id = $1 AND outcome = 'success'",
          [operation.code],
        ),
      );
      expect(audited.rows.map((row) => row.action)).toEqual(
        expect.arrayContaining(['operation.created', 'operation.closed']),
      );
    });

    it('publishes opened, phase-started, participant-added and closed on hub.operations.v1', async () => {
      const operation = await createOperation();
      const added = await as(secretariat).call('PATCH', `/v1/operations/${operation.code}`, {
        addParticipants: [{ organization: outsider.code, role: 'observer' }],
      });
      expect(added.status).toBe(200);
      expect((await as(secretariat).call('POST', `/v1/operations/${operation.code}/close`)).status).toBe(200);
      const wanted = [
        'operation.opened',
        'operation.phase-started',
        'operation.participant-added',
        'operation.closed',
      ];
      const typesOf = (messages: { key: string | null; headers: Record<string, string> }[]) =>
        messages
          .filter((message) => message.key === operation.code)
          .map((message) => message.headers.ce_type);
      const messages = await readTopic(
        OPERATIONS_TOPIC,
        (read) => wanted.every((type) => typesOf(read).includes(type)),
        30_000,
      );
      const types = typesOf(messages);
      expect([...types].sort()).toEqual([...wanted].sort());
      const ours = messages.filter((message) => message.key === operation.code);
      for (const message of ours) expect(message.headers.ce_operation).toBe(operation.code);
      const phase = ours.find((message) => message.headers.ce_type === 'operation.phase-started')!;
      expect(JSON.parse(phase.value)).toMatchObject({
        code: operation.code,
        phase: { index: 0, name: 'Targeting' },
      });
    });
  });
});
