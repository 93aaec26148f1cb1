/**
 * Stream credentials: the admin API that issues, lists and revokes the Kafka credentials with
 * which RILO nodes, members and the secretariat read their regional streams.
 */
import { ADMIN_TOKEN, withDatabase } from './support/hub-harness';
import { partnerAgency, riloFor, startHub, type TestHub } from './support/hub-context';

describe('stream credentials: the admin API', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startHub();
  }, 60_000);

  afterAll(() => hub?.close());

  const path = (code: string, username = ''): string =>
    `/v1/admin/organizations/${code}/stream-credentials${username ? `/${username}` : ''}`;

  it('refuses a partner agency with 422 naming kind, and writes nothing', async () => {
    const partner = await hub.organization(partnerAgency());
    const before = await withDatabase(
      async (db) => (await db.query('SELECT count(*)::int AS n FROM stream_credentials')).rows[0].n as number,
    );
    const refused = await hub.api<{ status: number; errors: { field: string; detail: string }[] }>(
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
    expect((await hub.api('GET', path(partner.code), { key: ADMIN_TOKEN })).body).toEqual([]);
  });

  it('answers 404 for an unknown organization and an unknown credential, 401 without the admin token', async () => {
    const rilo = await hub.organization(riloFor('europe'));
    expect((await hub.api('POST', path('no-such-organization'), { key: ADMIN_TOKEN })).status).toBe(404);
    expect((await hub.api('GET', path('no-such-organization'), { key: ADMIN_TOKEN })).status).toBe(404);
    expect(
      (
        await hub.api('DELETE', path(rilo.code, `stream-${rilo.code}-aaaaaaaaaa`), {
          key: ADMIN_TOKEN,
        })
      ).status,
    ).toBe(404);
    expect((await hub.api('POST', path(rilo.code), { key: rilo.apiKey })).status).toBe(401);
    expect((await hub.api('POST', path(rilo.code))).status).toBe(401);
    const bad = await hub.api<{ errors: { field: string }[] }>('DELETE', path(rilo.code, 'User:admin'), {
      key: ADMIN_TOKEN,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error) => error.field)).toEqual(['username']);
  });
});
