/**
 * Stream credentials: the admin API that issues, lists and revokes the Kafka credentials with
 * which RILO nodes, members and the secretariat read their regional streams.
 */
import {
  ADMIN_TOKEN,
  api,
  registerOrganization,
  type RunningService,
  startGateway,
  withDatabase,
} from './support/hub-harness';

describe('stream credentials: the admin API', () => {
  let gateway: RunningService;

  beforeAll(async () => {
    gateway = await startGateway();
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
  });

  const path = (code: string, username = ''): string =>
    `/v1/admin/organizations/${code}/stream-credentials${username ? `/${username}` : ''}`;

  it('refuses a partner agency with 422 naming kind, and writes nothing', async () => {
    const partner = await registerOrganization(gateway.url, { kind: 'partner' });
    const before = await withDatabase(
      async (db) => (await db.query('SELECT count(*)::int AS n FROM stream_credentials')).rows[0].n as number,
    );
    const refused = await api<{ status: number; errors: { field: string; detail: string }[] }>(
      gateway.url,
      'POST',
      path(partner.code),
      { key: ADMIN_TOKEN },
    );
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ field: 'kind', detail: expect.stringContaining('partner') }),
    ]);
    const after = await withDatabase(
      async (db) => (await db.query('SELECT count(*)::int AS n FROM stream_credentials')).rows[0].n as number,
    );
    expect(after).toBe(before);
    expect((await api(gateway.url, 'GET', path(partner.code), { key: ADMIN_TOKEN })).body).toEqual([]);
  });

  it('answers 404 for an unknown organization and an unknown credential, 401 without the admin token', async () => {
    const rilo = await registerOrganization(gateway.url, { kind: 'rilo', region: 'europe' });
    expect((await api(gateway.url, 'POST', path('no-such-organization'), { key: ADMIN_TOKEN })).status).toBe(
      404,
    );
    expect((await api(gateway.url, 'GET', path('no-such-organization'), { key: ADMIN_TOKEN })).status).toBe(
      404,
    );
    expect(
      (
        await api(gateway.url, 'DELETE', path(rilo.code, `stream-${rilo.code}-aaaaaaaaaa`), {
          key: ADMIN_TOKEN,
        })
      ).status,
    ).toBe(404);
    expect((await api(gateway.url, 'POST', path(rilo.code), { key: rilo.apiKey })).status).toBe(401);
    expect((await api(gateway.url, 'POST', path(rilo.code))).status).toBe(401);
    const bad = await api<{ errors: { field: string }[] }>(
      gateway.url,
      'DELETE',
      path(rilo.code, 'User:admin'),
      {
        key: ADMIN_TOKEN,
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error) => error.field)).toEqual(['username']);
  });
});
