import { randomUUID } from 'node:crypto';
import { MAX_PATH_PARAMETER_LENGTH } from '@hub/platform';
import { sampleAlert, sampleSeizure } from './support/fixtures';
import { ADMIN_TOKEN, hubStateFingerprint, type TestOrganization } from './support/hub-harness';
import { memberOf, partnerAgency, startHub, type TestHub } from './support/hub-context';

interface Problem {
  type: string;
  title: string;
  status: number;
  errors?: { field: string; pointer: string; detail: string }[];
}

describe('invalid input is refused with problem+json and writes nothing', () => {
  let hub: TestHub;
  let member: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({ gateway: { bodyLimitBytes: 64 * 1024 } });
    member = await hub.organization(memberOf('FR'));
  });

  afterAll(() => hub?.close());

  async function expectNothingWritten(action: () => Promise<void>): Promise<void> {
    const before = await hubStateFingerprint();
    await action();
    expect(await hubStateFingerprint()).toEqual(before);
  }

  it('lists every bad field of an alert, nested ones with their path', async () => {
    await expectNothingWritten(async () => {
      const response = await hub.api<Problem>('POST', '/v1/alerts', {
        key: member.apiKey,
        body: sampleAlert({
          severity: 'apocalyptic',
          commodities: [{ hsCode: '771234', description: 'Reserved chapter', category: 'nuclear' }],
          route: { origin: 'XX', transit: [], destination: 'DE' },
          smuggled: 'unknown field',
        }),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const fields = response.body.errors!.map((error) => error.field);
      expect(fields).toEqual(
        expect.arrayContaining(['severity', 'commodities[0].hsCode', 'route.origin', 'smuggled']),
      );
      expect(response.body.errors!.find((error) => error.field === 'commodities[0].hsCode')!.pointer).toBe(
        '/commodities/0/hsCode',
      );
    });
  });

  it.each([
    ['a number where a string is expected', { title: 42 }, 'title'],
    ['a missing required field', { summary: undefined }, 'summary'],
    [
      'an unknown nested field',
      { route: { origin: 'CN', transit: [], destination: 'DE', via: 'x' } },
      'route.via',
    ],
    ['restricted handling without recipients', { handling: 'restricted' }, 'recipients'],
    ['an invalid language', { language: 'english' }, 'language'],
    // PostgreSQL cannot store it: this was a 500.
    ['an unpaired surrogate in free text', { title: 'half a pair \ud800' }, 'title'],
  ])('rejects %s', async (_label, overrides, field) => {
    await expectNothingWritten(async () => {
      const response = await hub.api<Problem>('POST', '/v1/alerts', {
        key: member.apiKey,
        body: sampleAlert(overrides),
      });
      expect(response.status).toBe(400);
      expect(response.body.errors!.map((error) => error.field)).toContain(field);
    });
  });

  it('rejects a seizure notice with a bad currency and a non-positive quantity', async () => {
    await expectNothingWritten(async () => {
      const seizure = sampleSeizure();
      const commodity = (seizure.commodities as Record<string, unknown>[])[0];
      const response = await hub.api<Problem>('POST', '/v1/seizures', {
        key: member.apiKey,
        body: {
          ...seizure,
          commodities: [
            {
              ...commodity,
              quantity: { value: -1, unit: 'kg' },
              estimatedValue: { amount: 5, currency: 'XYZ' },
            },
          ],
        },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors!.map((error) => error.field)).toEqual(
        expect.arrayContaining(['commodities[0].quantity.value', 'commodities[0].estimatedValue.currency']),
      );
    });
  });

  it.each([
    ['malformed JSON', '{"title": ', 'application/json', 400],
    ['an empty JSON body', '', 'application/json', 400],
    ['a prototype-poisoning body', '{"__proto__": {"admin": true}}', 'application/json', 400],
    ['a JSON array', '[]', 'application/json', 400],
    ['a JSON string', '"alert"', 'application/json', 400],
    ['a form body', 'title=x', 'application/x-www-form-urlencoded', 415],
    ['plain text', 'hello', 'text/plain', 415],
  ])('answers %s with a problem document', async (_label, rawBody, contentType, status) => {
    await expectNothingWritten(async () => {
      const response = await hub.api<Problem>('POST', '/v1/alerts', {
        key: member.apiKey,
        rawBody,
        contentType,
      });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.status).toBe(status);
    });
  });

  it.each([
    [
      'a nested prototype key',
      JSON.stringify(sampleAlert()).replace('"route":{', '"route":{"__proto__":{"x":1},'),
      '/route/__proto__',
    ],
    [
      'a key that class-validator mistakes for a declared one',
      JSON.stringify(sampleAlert({ hasOwnProperty: 1 })),
      '/hasOwnProperty',
    ],
    ['bytes that are not UTF-8', Buffer.from([...Buffer.from('{"title":"'), 0xff, ...Buffer.from('"}')]), ''],
  ])('names the place of %s', async (_label, body, pointer) => {
    await expectNothingWritten(async () => {
      const response = await fetch(`${hub.url}/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${member.apiKey}`, 'content-type': 'application/json' },
        body,
      });
      const problem = (await response.json()) as Problem;
      expect(response.status).toBe(400);
      expect(problem.errors!.map((error) => error.pointer)).toContain(pointer);
    });
  });

  it('answers an oversized body with 413', async () => {
    await expectNothingWritten(async () => {
      const response = await hub.api<Problem>('POST', '/v1/alerts', {
        key: member.apiKey,
        body: sampleAlert({ summary: 'x'.repeat(70 * 1024) }),
      });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  });

  it('rejects bad query parameters and ids naming the parameter', async () => {
    const query = await hub.api<Problem>('GET', '/v1/alerts?region=atlantis&limit=5000&hs=12a', {
      key: member.apiKey,
    });
    expect(query.status).toBe(400);
    expect(query.body.errors!.map((error) => error.field).sort()).toEqual(['hs', 'limit', 'region']);
    // The same rules as the records and subscription filters: a reserved HS chapter, a date without a time.
    const strict = await hub.api<Problem>('GET', '/v1/alerts?hs=7700&since=2026-01-01', {
      key: member.apiKey,
    });
    expect(strict.body.errors?.map((error) => error.field).sort()).toEqual(['hs', 'since']);
    for (const limit of ['0x10', '1e2', '5.0', '+5', '%205', '1,2']) {
      const response = await hub.api<Problem>('GET', `/v1/alerts?limit=${limit}`, {
        key: member.apiKey,
      });
      expect({ limit, status: response.status }).toEqual({ limit, status: 400 });
    }
    expect((await hub.api('GET', '/v1/alerts?limit=007', { key: member.apiKey })).status).toBe(200);
    const id = await hub.api<Problem>('GET', '/v1/alerts/not-a-uuid', { key: member.apiKey });
    expect(id.status).toBe(400);
    expect(id.body.errors![0].field).toBe('id');
    const unknown = await hub.api<Problem>('GET', '/v1/alerts?colour=red', { key: member.apiKey });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors![0].field).toBe('colour');
    // A cursor the hub never issues, empty or out of PostgreSQL's range, is refused, not a 500.
    const far = Buffer.from(JSON.stringify({ t: '-271821-04-20T00:00:00.000Z', i: member.id })).toString(
      'base64url',
    );
    for (const cursor of ['', far]) {
      const response = await hub.api<Problem>('GET', `/v1/alerts?cursor=${cursor}`, {
        key: member.apiKey,
      });
      expect({ cursor, status: response.status, field: response.body.errors?.[0].field }).toEqual({
        cursor,
        status: 400,
        field: 'cursor',
      });
    }
  });

  it('answers undecodable and over-long path parameters with problem+json naming the parameter', async () => {
    for (const segment of ['%', '%zz', '%ED%A0%80', '%C0%AF']) {
      const response = await hub.api<Problem>('GET', `/v1/alerts/${segment}`, {
        key: member.apiKey,
      });
      expect({ segment, status: response.status, type: response.headers.get('content-type') }).toEqual({
        segment,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(response.body.errors![0].field).toBe('id');
    }
    const longId = await hub.api<Problem>('GET', `/v1/alerts/${'a'.repeat(1000)}`, {
      key: member.apiKey,
    });
    expect(longId.status).toBe(400);
    expect(longId.body.errors![0].field).toBe('id');
    const tooLong = await hub.api<Problem>('GET', `/v1/alerts/${'a'.repeat(MAX_PATH_PARAMETER_LENGTH + 1)}`, {
      key: member.apiKey,
    });
    expect(tooLong.status).toBe(414);
    expect(tooLong.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses query parameters an operation does not declare, prototype names included', async () => {
    const created = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: member.apiKey,
      body: sampleAlert(),
    });
    for (const [path, name] of [
      ['/v1/subscriptions?wait=5', 'wait'],
      [`/v1/alerts/${created.body.id}?version=2`, 'version'],
      ['/v1/alerts?__proto__=1', '__proto__'],
      ['/v1/alerts?constructor=x', 'constructor'],
      ['/v1/alerts?toString=x', 'toString'],
      ['/v1/admin/organizations?kind=member', 'kind'],
    ]) {
      const response = await hub.api<Problem>('GET', path, {
        key: path.includes('admin') ? process.env.HUB_ADMIN_TOKEN : member.apiKey,
      });
      expect({
        path,
        status: response.status,
        fields: response.body.errors?.map((error) => error.field),
      }).toEqual({
        path,
        status: 400,
        fields: [name],
      });
    }
    await expectNothingWritten(async () => {
      const withdraw = await hub.api<Problem>('POST', `/v1/alerts/${created.body.id}/withdraw?force=true`, {
        key: member.apiKey,
      });
      expect(withdraw.status).toBe(400);
    });
  });

  it('rejects an invalid organization registration naming each field', async () => {
    const response = await hub.api<Problem>('POST', '/v1/admin/organizations', {
      key: process.env.HUB_ADMIN_TOKEN,
      body: { code: 'Bad Code!', name: '', kind: 'member', country: 'ZZ' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors!.map((error) => error.field)).toEqual(
      expect.arrayContaining(['code', 'name']),
    );
  });

  it.each([
    // A NUL reached PostgreSQL (500); half a surrogate pair was stored as U+FFFD.
    ['a control character in the name', { code: 'nul-name', name: 'Customs\u0000', kind: 'partner' }, 'name'],
    [
      'half a surrogate pair in the name',
      { code: 'half-pair', name: 'Customs \udc00', kind: 'partner' },
      'name',
    ],
    // Accepted and silently dropped before.
    [
      'a country for a partner agency',
      { code: 'partner-fr', name: 'Partner', kind: 'partner', country: 'FR' },
      'country',
    ],
    [
      'a region for a member',
      { code: 'member-fr', name: 'Member', kind: 'member', country: 'FR', region: 'mena' },
      'region',
    ],
  ])('refuses %s in a registration', async (_label, body, field) => {
    await expectNothingWritten(async () => {
      const response = await hub.api<Problem>('POST', '/v1/admin/organizations', {
        key: process.env.HUB_ADMIN_TOKEN,
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body.errors!.map((error) => error.field)).toEqual([field]);
    });
  });

  it('gives one clear reason per bad query field, whatever the field', async () => {
    for (const [path, field, detail] of [
      ['/v1/alerts?limit=abc', 'limit', 'limit must be an integer number'],
      ['/v1/alerts?limit=0', 'limit', 'limit must not be less than 1'],
      [
        '/v1/subscriptions/00000000-0000-4000-8000-000000000000/events?wait=soon',
        'wait',
        'wait must be an integer number',
      ],
    ]) {
      const response = await hub.api<Problem>('GET', path, { key: member.apiKey });
      expect({ path, status: response.status, errors: response.body.errors }).toEqual({
        path,
        status: 400,
        errors: [{ field, pointer: `/${field}`, detail }],
      });
    }
  });

  it('answers a method a known path does not serve with 405 and Allow, an unknown path with 404', async () => {
    const alert = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: member.apiKey,
      body: sampleAlert(),
    });
    await expectNothingWritten(async () => {
      for (const [method, path, allow] of [
        ['DELETE', '/v1/alerts', 'GET, HEAD, POST'],
        ['PUT', '/v1/subscriptions', 'GET, HEAD, POST'],
        ['PUT', `/v1/alerts/${alert.body.id}`, 'GET, HEAD, PATCH'],
        ['GET', `/v1/alerts/${alert.body.id}/withdraw`, 'POST'],
        ['DELETE', '/v1/admin/organizations', 'GET, HEAD, POST'],
      ]) {
        const response = await hub.api<Problem>(method, path, { key: member.apiKey });
        expect({
          method,
          path,
          status: response.status,
          allow: response.headers.get('allow'),
          type: response.headers.get('content-type'),
          problem: response.body.type,
        }).toEqual({
          method,
          path,
          status: 405,
          allow,
          type: expect.stringContaining('application/problem+json'),
          problem: expect.stringMatching(/method-not-allowed$/),
        });
      }
    });
    const unknown = await hub.api<Problem>('DELETE', '/v1/manifests', { key: member.apiKey });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
  });

  describe('organization codes typed in capitals', () => {
    const admin = ADMIN_TOKEN;

    it('registers a code typed in capitals in lowercase, and finds it however it is typed', async () => {
      const code = `Fr-Customs-${randomUUID().slice(0, 6)}`;
      const registered = await hub.api<{ organization: { code: string } }>(
        'POST',
        '/v1/admin/organizations',
        { key: admin, body: { code, name: 'French Customs', kind: 'member', country: 'FR' } },
      );
      expect(registered.status).toBe(201);
      expect(registered.body.organization.code).toBe(code.toLowerCase());
      const again = await hub.api<Problem>('POST', '/v1/admin/organizations', {
        key: admin,
        body: { code: code.toUpperCase(), name: 'French Customs again', kind: 'member', country: 'FR' },
      });
      expect(again.status).toBe(409);
      for (const typed of [code, code.toUpperCase(), code.toLowerCase()]) {
        const keys = await hub.api<unknown[]>('GET', `/v1/admin/organizations/${typed}/api-keys`, {
          key: admin,
        });
        expect({ typed, status: keys.status, keys: keys.body }).toEqual({
          typed,
          status: 200,
          keys: [expect.objectContaining({ prefix: expect.any(String) })],
        });
      }
      const issued = await hub.api('POST', `/v1/admin/organizations/${code.toUpperCase()}/api-keys`, {
        key: admin,
      });
      expect(issued.status).toBe(201);
      const audit = await hub.api<Problem>('GET', `/v1/audit?actor=${code.toUpperCase()}`, {
        key: member.apiKey,
      });
      // Not the secretariat: refused for the role, not for the code's case.
      expect(audit.status).toBe(403);
    });

    it('stores recipients typed in capitals in lowercase, so the recipient reads the record', async () => {
      const recipient = await hub.organization(partnerAgency());
      const submitted = await hub.api<{ id: string; recipients: string[] }>('POST', '/v1/alerts', {
        key: member.apiKey,
        body: sampleAlert({ handling: 'restricted', recipients: [recipient.code.toUpperCase()] }),
      });
      expect(submitted.status).toBe(201);
      expect(submitted.body.recipients).toEqual([recipient.code]);
      const read = await hub.api('GET', `/v1/alerts/${submitted.body.id}`, {
        key: recipient.apiKey,
      });
      expect(read.status).toBe(200);
      const revised = await hub.api<{ recipients: string[] }>('PATCH', `/v1/alerts/${submitted.body.id}`, {
        key: member.apiKey,
        body: { recipients: [recipient.code.toUpperCase(), member.code.toUpperCase()] },
      });
      expect({ status: revised.status, body: revised.body }).toEqual({
        status: 200,
        body: expect.anything(),
      });
      expect(revised.body.recipients).toEqual([recipient.code, member.code]);
    });

    it('still refuses what is not a code in any case, saying what a code is', async () => {
      await expectNothingWritten(async () => {
        const response = await hub.api<Problem>('POST', '/v1/admin/organizations', {
          key: admin,
          body: { code: 'FR_CUSTOMS', name: 'French Customs', kind: 'member', country: 'FR' },
        });
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([
          {
            field: 'code',
            pointer: '/code',
            detail:
              'code must be an organization code (2-40 letters, digits or hyphens, starting with a letter or digit)',
          },
        ]);
      });
    });
  });
});
