/**
 * API key lifecycle (review finding L-8): a key may be issued read-only and with an expiry, and
 * records when it was last used without a write per request.
 */
import { randomBytes } from 'node:crypto';
import { sampleAlert } from './support/fixtures';
import {
  ADMIN_TOKEN,
  api,
  type ApiResponse,
  expectEventually,
  type RunningService,
  startGateway,
  type TestOrganization,
  withDatabase,
} from './support/hub-harness';
import { memberOf, startHub, type TestHub } from './support/hub-context';

/** Longer than the test: only the key's own expiry may end what a gateway remembers. */
const LONG_CACHE_MS = '60000';
const INSUFFICIENT_SCOPE = 'https://cosmo-hub.example/problems/insufficient-scope';
const TAXII = 'application/taxii+json;version=2.1';

interface KeyView {
  id: string;
  prefix: string;
  scope: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  secret?: string;
}

describe('API key lifecycle: expiry, last use and read-only scope', () => {
  let hub: TestHub;
  /** A second gateway that forgets keys at once: every request of it looks its key up. */
  let forgetful: RunningService;
  let member: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({ gateway: { env: { API_KEY_CACHE_MS: LONG_CACHE_MS } } });
    forgetful = await startGateway(undefined, { API_KEY_CACHE_MS: '0' });
    member = await hub.organization(memberOf('FR'));
  }, 120_000);

  afterAll(async () => {
    await forgetful?.close();
    await hub?.close();
  });

  const issue = (body?: unknown): Promise<ApiResponse<KeyView>> =>
    hub.api<KeyView>('POST', `/v1/admin/organizations/${member.code}/api-keys`, { key: ADMIN_TOKEN, body });
  const listing = async (): Promise<KeyView[]> => {
    const listed = await hub.api<KeyView[]>('GET', `/v1/admin/organizations/${member.code}/api-keys`, {
      key: ADMIN_TOKEN,
    });
    expect(listed.status).toBe(200);
    return listed.body;
  };
  const listed = async (id: string): Promise<KeyView> => (await listing()).find((key) => key.id === id)!;

  it('issues a read-write key that never expires when no terms are given, and lists its terms', async () => {
    const issued = await issue();
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ scope: 'read-write', expiresAt: null, lastUsedAt: null });
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const reader = await issue({ scope: 'read', expiresAt });
    expect(reader.status).toBe(201);
    expect(reader.body).toMatchObject({ scope: 'read', expiresAt, lastUsedAt: null });
    expect(await listed(reader.body.id)).toMatchObject({ scope: 'read', expiresAt, lastUsedAt: null });
    expect(await listed(issued.body.id)).toMatchObject({ scope: 'read-write', expiresAt: null });
  });

  it.each([
    [
      'expiresAt',
      'a minute ago',
      { expiresAt: new Date(Date.now() - 60_000).toISOString() },
      'must be in the future',
    ],
    [
      'expiresAt',
      'beyond two years',
      { expiresAt: new Date(Date.now() + 731 * 86_400_000).toISOString() },
      'at most 730 days',
    ],
    ['expiresAt', 'an impossible date', { expiresAt: '2027-02-30T00:00:00Z' }, 'RFC 3339'],
    ['expiresAt', 'a time without offset', { expiresAt: '2027-06-01T00:00:00' }, 'RFC 3339'],
    ['scope', 'an unknown scope', { scope: 'admin' }, 'scope'],
    ['expiresInDays', 'not a field of the body', { expiresInDays: 30 }, 'should not exist'],
  ])('refuses a key whose %s is %s (400 naming it), writing nothing', async (field, _case, body, detail) => {
    const before = (await listing()).length;
    const refused = await issue(body);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const errors = (refused.body as unknown as { errors: { field: string; detail: string }[] }).errors;
    expect(errors).toEqual([expect.objectContaining({ field, detail: expect.stringContaining(detail) })]);
    expect((await listing()).length).toBe(before);
  });

  it('refuses an expired key with 401, as an unknown one, though the gateway remembered it', async () => {
    const expiresAt = new Date(Date.now() + 3000);
    const issued = await issue({ expiresAt: expiresAt.toISOString() });
    expect(issued.status).toBe(201);
    // Authenticated, and remembered for a minute (LONG_CACHE_MS)...
    expect((await hub.api('GET', '/v1/alerts', { key: issued.body.secret })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 100));
    // ...but never past its expiry.
    const expired = await hub.api('GET', '/v1/alerts', { key: issued.body.secret });
    const unknown = await hub.api('GET', '/v1/alerts', {
      key: `chub_${randomBytes(32).toString('base64url')}`,
    });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const { instance: _a, requestId: _b, ...expiredProblem } = expired.body;
    const { instance: _c, requestId: _d, ...unknownProblem } = unknown.body;
    expect(expiredProblem).toEqual(unknownProblem);
    // Another gateway, which never saw it, refuses it too; the listing shows why.
    expect((await api(forgetful.url, 'GET', '/v1/alerts', { key: issued.body.secret })).status).toBe(401);
    expect(await listed(issued.body.id)).toMatchObject({
      expiresAt: expiresAt.toISOString(),
      revokedAt: null,
    });
  }, 30_000);

  it('records the last use at most once a minute per key, not once per request', async () => {
    const issued = await issue();
    const key = issued.body.secret!;
    expect((await listed(issued.body.id)).lastUsedAt).toBeNull();
    const started = Date.now();
    expect((await api(forgetful.url, 'GET', '/v1/alerts', { key })).status).toBe(200);
    await expectEventually(async () => {
      const used = (await listed(issued.body.id)).lastUsedAt;
      expect(used).not.toBeNull();
      expect(Math.abs(Date.parse(used!) - started)).toBeLessThan(10_000);
    });
    const version = (): Promise<{ xmin: string; last_used_at: Date }> =>
      withDatabase(
        async (db) =>
          (
            await db.query<{ xmin: string; last_used_at: Date }>(
              'SELECT xmin::text, last_used_at FROM api_keys WHERE id = $1',
              [issued.body.id],
            )
          ).rows[0],
      );
    const first = await version();
    // Every one of these requests looks the key up (the forgetful gateway): none writes the row.
    for (let request = 0; request < 30; request += 1)
      expect((await api(forgetful.url, 'GET', '/v1/alerts', { key })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await version()).toEqual(first);
    // A minute later, the next use is recorded again.
    await withDatabase((db) =>
      db.query("UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1", [
        issued.body.id,
      ]),
    );
    const again = Date.now();
    expect((await api(forgetful.url, 'GET', '/v1/alerts', { key })).status).toBe(200);
    await expectEventually(async () => {
      const used = (await listed(issued.body.id)).lastUsedAt;
      expect(Math.abs(Date.parse(used!) - again)).toBeLessThan(10_000);
    });
  }, 30_000);

  it('lets a read-only key read and refuses it every write with 403 insufficient-scope', async () => {
    const reader = (await issue({ scope: 'read' })).body.secret!;
    const alert = await hub.submit(member, 'alert');
    const subscription = await hub.subscribe(member);
    const refused = async (method: string, path: string, body?: unknown): Promise<void> => {
      const answer = await hub.api(method, path, { key: reader, body });
      expect({ method, path, status: answer.status, type: answer.body.type }).toEqual({
        method,
        path,
        status: 403,
        type: INSUFFICIENT_SCOPE,
      });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    };
    const before = await withDatabase(
      async (db) =>
        (
          await db.query<{ records: string; subscriptions: string }>(
            `SELECT (SELECT count(*) FROM intelligence_records) AS records,
                    (SELECT count(*) FROM subscriptions WHERE status <> 'deleted') AS subscriptions`,
          )
        ).rows[0],
    );
    await refused('POST', '/v1/alerts', sampleAlert());
    await refused('PATCH', `/v1/alerts/${alert.id}`, { summary: 'Revised by a reader' });
    await refused('POST', `/v1/alerts/${alert.id}/withdraw`);
    await refused('POST', '/v1/subscriptions', { name: 'Reader', filter: {}, delivery: { type: 'pull' } });
    await refused('PATCH', `/v1/subscriptions/${subscription.id}`, { name: 'Renamed by a reader' });
    await refused('DELETE', `/v1/subscriptions/${subscription.id}`);
    const after = await withDatabase(
      async (db) =>
        (
          await db.query<{ records: string; subscriptions: string }>(
            `SELECT (SELECT count(*) FROM intelligence_records) AS records,
                    (SELECT count(*) FROM subscriptions WHERE status <> 'deleted') AS subscriptions`,
          )
        ).rows[0],
    );
    expect(after).toEqual(before);
    // Reads: lists, a record, the feed, TAXII.
    for (const path of [
      '/v1/alerts',
      `/v1/alerts/${alert.id}`,
      '/v1/subscriptions',
      `/v1/subscriptions/${subscription.id}/events`,
    ])
      expect({ path, status: (await hub.api('GET', path, { key: reader })).status }).toEqual({
        path,
        status: 200,
      });
    const taxii = await fetch(`${hub.url}/taxii2/api/collections/`, {
      headers: { accept: TAXII, authorization: `Bearer ${reader}` },
    });
    expect(taxii.status).toBe(200);
    // The same organization's read-write key still writes.
    expect(
      (
        await hub.api('PATCH', `/v1/alerts/${alert.id}`, {
          key: member.apiKey,
          body: { summary: 'Revised by the writer' },
        })
      ).status,
    ).toBe(200);
  }, 30_000);
});
