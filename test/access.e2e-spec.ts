import { routed, sampleAlert } from './support/fixtures';
import { ADMIN_TOKEN, type TestOrganization } from './support/hub-harness';
import {
  memberOf,
  partnerAgency,
  riloFor,
  startHub,
  type TestHub,
  theSecretariat,
} from './support/hub-context';

describe('authentication and the handling rules on REST reads', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let germany: TestOrganization;
  let nigeria: TestOrganization;
  let riloEurope: TestOrganization;
  let riloAsia: TestOrganization;
  let partner: TestOrganization;
  let secretariat: TestOrganization;

  beforeAll(async () => {
    hub = await startHub();
    ({ france, germany, nigeria, riloEurope, riloAsia, partner, secretariat } = await hub.organizations({
      france: memberOf('FR'),
      germany: memberOf('DE'),
      nigeria: memberOf('NG'),
      riloEurope: riloFor('europe'),
      riloAsia: riloFor('asia-pacific'),
      partner: partnerAgency(),
      secretariat: theSecretariat(),
    }));
  });

  afterAll(() => hub?.close());

  // Listings are read from here on: this file's records, not the whole shared database.
  const startedAt = new Date(Date.now() - 1000).toISOString();

  async function visibility(id: string): Promise<Record<string, number>> {
    const readers = { france, germany, nigeria, riloEurope, riloAsia, partner, secretariat };
    const entries = await Promise.all(
      Object.entries(readers).map(async ([name, reader]) => {
        const single = await hub.api('GET', `/v1/alerts/${id}`, { key: reader.apiKey });
        // Every listing page since this file started (other files share the database).
        const listedIds: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await hub.api(
            'GET',
            `/v1/alerts?limit=200&since=${encodeURIComponent(startedAt)}${cursor ? `&cursor=${cursor}` : ''}`,
            { key: reader.apiKey },
          );
          listedIds.push(...page.body.items.map((item) => item.id));
          cursor = page.body.nextCursor;
        } while (cursor);
        // A record is visible by id exactly when it is visible in listings.
        const inList = listedIds.includes(id);
        expect(inList).toBe(single.status === 200);
        return [name, single.status] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  // A European route (France → Germany) so the regions are exactly ['europe'].
  const europeanAlert = (overrides: Record<string, unknown>): Record<string, unknown> =>
    sampleAlert({ ...routed('FR', 'DE'), entities: [], ...overrides });

  it('restricted: only the originator and the listed recipients, everyone else gets 404', async () => {
    const created = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: europeanAlert({ handling: 'restricted', recipients: [nigeria.code] }),
    });
    expect(created.status).toBe(201);
    expect(await visibility(created.body.id)).toEqual({
      france: 200,
      germany: 404,
      nigeria: 200,
      riloEurope: 404,
      riloAsia: 404,
      partner: 404,
      secretariat: 404,
    });
    const denied = await hub.api<{ detail: string }>('GET', `/v1/alerts/${created.body.id}`, {
      key: germany.apiKey,
    });
    expect(JSON.stringify(denied.body)).not.toContain('restricted');
  });

  it('region: members of the concerned regions, their RILOs and the secretariat', async () => {
    const created = await hub.api<{ id: string; regions: string[] }>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: europeanAlert({ handling: 'region' }),
    });
    expect(created.body.regions).toEqual(['europe']);
    expect(await visibility(created.body.id)).toEqual({
      france: 200,
      germany: 200,
      nigeria: 404,
      riloEurope: 200,
      riloAsia: 404,
      partner: 404,
      secretariat: 200,
    });
  });

  it('members: every member, RILO and the secretariat, never partner agencies', async () => {
    const created = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: europeanAlert({ handling: 'members' }),
    });
    expect(await visibility(created.body.id)).toEqual({
      france: 200,
      germany: 200,
      nigeria: 200,
      riloEurope: 200,
      riloAsia: 200,
      partner: 404,
      secretariat: 200,
    });
  });

  it('community: every organization', async () => {
    const created = await hub.api<{ id: string }>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: europeanAlert({ handling: 'community' }),
    });
    expect(Object.values(await visibility(created.body.id))).toEqual([200, 200, 200, 200, 200, 200, 200]);
  });

  it('refuses missing, malformed, unknown and revoked keys with 401', async () => {
    expect((await hub.api('GET', '/v1/alerts')).status).toBe(401);
    expect((await hub.api('GET', '/v1/alerts', { key: 'not-a-key' })).status).toBe(401);
    expect((await hub.api('GET', '/v1/alerts', { key: `chub_${'A'.repeat(43)}` })).status).toBe(401);
    expect((await hub.api('GET', '/v1/alerts', { key: ADMIN_TOKEN })).status).toBe(401);

    const holder = await hub.organization(memberOf('KR'));
    expect((await hub.api('GET', '/v1/alerts', { key: holder.apiKey })).status).toBe(200);
    const keys = await hub.api<{ id: string }[]>('GET', `/v1/admin/organizations/${holder.code}/api-keys`, {
      key: ADMIN_TOKEN,
    });
    expect(keys.body).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(holder.apiKey);
    const revoked = await hub.api(
      'DELETE',
      `/v1/admin/organizations/${holder.code}/api-keys/${keys.body[0].id}`,
      {
        key: ADMIN_TOKEN,
      },
    );
    expect(revoked.status).toBe(204);
    expect((await hub.api('GET', '/v1/alerts', { key: holder.apiKey })).status).toBe(401);
  });

  it('refuses a key revoked by another gateway instance within API_KEY_CACHE_MS (5 s)', async () => {
    const { withDatabase } = await import('./support/hub-harness');
    const holder = await hub.organization(memberOf('KR'));
    expect((await hub.api('GET', '/v1/alerts', { key: holder.apiKey })).status).toBe(200);
    // Revoked behind this instance's back, as another instance would.
    await withDatabase((client) =>
      client.query(
        'UPDATE api_keys SET revoked_at = now() FROM organizations o WHERE o.id = organization_id AND o.code = $1',
        [holder.code],
      ),
    );
    const revokedAt = Date.now();
    let status = 200;
    while (status !== 401 && Date.now() - revokedAt < 8000) {
      status = (await hub.api('GET', '/v1/alerts', { key: holder.apiKey })).status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(5000 + 1000);
  });

  it('keeps the admin API to the admin token', async () => {
    expect((await hub.api('GET', '/v1/admin/organizations', { key: france.apiKey })).status).toBe(401);
    expect((await hub.api('GET', '/v1/admin/organizations', { key: ADMIN_TOKEN })).status).toBe(200);
  });

  it('stores API keys only as digests', async () => {
    const { withDatabase } = await import('./support/hub-harness');
    const rows = await withDatabase((client) => client.query('SELECT * FROM api_keys'));
    const stored = JSON.stringify(rows.rows);
    for (const organization of [france, germany, nigeria, partner])
      expect(stored).not.toContain(organization.apiKey);
  });
});
