/**
 * STIX 2.1 renderings of records and the TAXII 2.1 server, exercised as a threat-intelligence
 * platform would: discovery → API root → collections → objects paged with `next`, `added_after`
 * and the manifest; every STIX object checked against the OASIS STIX 2.1 schemas.
 */
import { sampleAlert, sampleSeizure } from './support/fixtures';
import { expectEventually, startGateway, type TestOrganization, withDatabase } from './support/hub-harness';
import { memberOf, partnerAgency, startHub, type TestHub } from './support/hub-context';
import { stixBundleViolations, stixObjectViolations } from './support/stix-schemas';

const TAXII = 'application/taxii+json;version=2.1';
const STIX = 'application/stix+json;version=2.1';

interface StixObject {
  type: string;
  id: string;
  modified?: string;
  created?: string;
  extensions?: Record<string, { record_id?: string; record_version?: number }>;
  [key: string]: unknown;
}
interface Envelope {
  more: boolean;
  next?: string;
  objects?: StixObject[];
}
interface Manifest {
  more: boolean;
  next?: string;
  objects?: { id: string; date_added: string; version: string; media_type: string }[];
}
interface TaxiiReply<T> {
  status: number;
  headers: Headers;
  body: T;
}

describe('STIX 2.1 and TAXII 2.1', () => {
  let hub: TestHub;
  let germany: TestOrganization;
  let france: TestOrganization;
  let partner: TestOrganization;
  let collection: string;
  let partnerCollection: string;
  let hiddenFromFrance: string;
  const published: { id: string; type: 'alert' | 'seizure'; handling: string }[] = [];

  /** A TAXII call as clients make it: the key as Bearer, or as the Basic password. */
  async function taxii<T>(
    path: string,
    options: { key?: string; basic?: string; accept?: string; method?: string } = {},
  ): Promise<TaxiiReply<T>> {
    const headers: Record<string, string> = { accept: options.accept ?? TAXII };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.basic)
      headers.authorization = `Basic ${Buffer.from(`taxii-client:${options.basic}`).toString('base64')}`;
    const response = await fetch(path.startsWith('http') ? path : `${hub.url}${path}`, {
      method: options.method ?? 'GET',
      headers,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  function expectTaxiiError(reply: TaxiiReply<unknown>, status: number): void {
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toBe(TAXII);
    expect(reply.body).toMatchObject({ http_status: String(status), title: expect.any(String) });
  }

  async function post(
    owner: TestOrganization,
    kind: 'alerts' | 'seizures',
    body: Record<string, unknown>,
  ): Promise<string> {
    const type = kind === 'alerts' ? 'alert' : 'seizure';
    const { id } = await hub.submit(owner, type, body);
    published.push({ id, type, handling: String(body.handling) });
    return id;
  }

  async function subscribe(owner: TestOrganization): Promise<string> {
    return (
      await hub.subscribe(owner, {
        name: `TAXII ${owner.code}`,
        filter: { categories: ['chemical', 'nuclear'] },
      })
    ).id;
  }

  /** Every object of a collection, following `next` page after page. */
  async function walk(
    path: 'objects' | 'manifest',
    limit: number,
    query = '',
  ): Promise<{ objects: StixObject[] | Manifest['objects']; pages: TaxiiReply<Envelope | Manifest>[] }> {
    const pages: TaxiiReply<Envelope | Manifest>[] = [];
    let next: string | undefined;
    for (;;) {
      const reply = await taxii<Envelope | Manifest>(
        `/taxii2/api/collections/${collection}/${path}/?limit=${limit}${query}${next ? `&next=${next}` : ''}`,
        { key: france.apiKey },
      );
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe(TAXII);
      pages.push(reply);
      next = reply.body.next;
      expect(Boolean(next)).toBe(reply.body.more);
      if (!reply.body.more) break;
      expect(pages.length).toBeLessThan(500);
    }
    return { objects: pages.flatMap((page): unknown[] => page.body.objects ?? []) as StixObject[], pages };
  }

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router'] });
    ({ germany, france, partner } = await hub.organizations({
      germany: memberOf('DE'),
      france: memberOf('FR'),
      partner: partnerAgency(),
    }));
    collection = await subscribe(france);
    partnerCollection = await subscribe(partner);
    await post(germany, 'alerts', sampleAlert({ handling: 'community' }));
    await post(germany, 'alerts', sampleAlert({ handling: 'members' }));
    await post(germany, 'seizures', sampleSeizure({ handling: 'community' }));
    await post(germany, 'seizures', sampleSeizure({ handling: 'restricted', recipients: [france.code] }));
    // Matched by nobody here: France is not a recipient, the partner not a member.
    hiddenFromFrance = await post(
      germany,
      'seizures',
      sampleSeizure({ handling: 'restricted', recipients: [partner.code] }),
    );
    const revised = await post(germany, 'alerts', sampleAlert({ handling: 'community' }));
    expect(
      (
        await hub.api('PATCH', `/v1/alerts/${revised}`, {
          key: germany.apiKey,
          body: { severity: 'critical' },
        })
      ).status,
    ).toBe(200);
    // France's feed has every version it may read: 5 records, one of them in 2 versions.
    await expectEventually(async () => {
      const feed = await hub.api<{ events: unknown[] }>(
        'GET',
        `/v1/subscriptions/${collection}/events?limit=100`,
        {
          key: france.apiKey,
        },
      );
      expect(feed.body.events).toHaveLength(6);
    }, 60_000);
  });

  afterAll(() => hub?.close());

  describe('STIX renderings of records', () => {
    it('answers Accept: application/stix+json;version=2.1 with a valid bundle, and JSON by default', async () => {
      for (const record of published) {
        const path = `/v1/${record.type === 'alert' ? 'alerts' : 'seizures'}/${record.id}`;
        const response = await fetch(`${hub.url}${path}`, {
          headers: { authorization: `Bearer ${germany.apiKey}`, accept: STIX },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe(STIX);
        expect(response.headers.get('vary')).toMatch(/accept/i);
        const bundle = (await response.json()) as { type: string; objects: StixObject[] };
        expect(stixBundleViolations(bundle)).toEqual([]);
        const report = bundle.objects.find((object) => object.type === 'report')!;
        expect(Object.values(report.extensions!)[0]).toMatchObject({ record_id: record.id });
        const json = await hub.api<{ id: string }>('GET', path, { key: germany.apiKey });
        expect(json.headers.get('content-type')).toMatch(/^application\/json/);
        expect(json.body.id).toBe(record.id);
      }
    });

    it('publishes the extension definition of the customs properties at a stable URL, without a key', async () => {
      const bundle = (await (
        await fetch(`${hub.url}/v1/alerts/${published[0].id}`, {
          headers: { authorization: `Bearer ${germany.apiKey}`, accept: STIX },
        })
      ).json()) as { objects: StixObject[] };
      const definition = bundle.objects.find((object) => object.type === 'extension-definition')!;
      const served = await fetch(`${hub.url}/stix/extension-definitions/${definition.id}`);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe(STIX);
      expect(await served.json()).toEqual(definition);
      expect(stixObjectViolations(definition)).toEqual([]);
      expect((await fetch(`${hub.url}/stix/extension-definitions/extension-definition--0`)).status).toBe(404);
    });

    it('renders a version the same way twice, refuses other STIX versions with 406 and hides what the caller may not read', async () => {
      const members = published.find((record) => record.handling === 'members')!;
      const read = async (key: string, accept: string): Promise<Response> =>
        fetch(`${hub.url}/v1/alerts/${members.id}`, {
          headers: { authorization: `Bearer ${key}`, accept },
        });
      expect(await (await read(france.apiKey, STIX)).text()).toBe(
        await (await read(germany.apiKey, STIX)).text(),
      );
      const refused = await read(france.apiKey, 'application/stix+json;version=2.0');
      expect(refused.status).toBe(406);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const hidden = await read(partner.apiKey, STIX);
      expect(hidden.status).toBe(404);
      expect(await hidden.text()).not.toContain('bundle');
    });
  });

  describe('TAXII 2.1', () => {
    it('is discovered as a client would: discovery → API root → collections → collection', async () => {
      const discovery = await taxii<{ default: string; api_roots: string[] }>('/taxii2/', {
        key: france.apiKey,
      });
      expect(discovery.status).toBe(200);
      expect(discovery.headers.get('content-type')).toBe(TAXII);
      expect(discovery.body.api_roots).toEqual([`${hub.url}/taxii2/api/`]);
      const root = await taxii<{ versions: string[]; max_content_length: number }>(discovery.body.default, {
        key: france.apiKey,
      });
      expect(root.status).toBe(200);
      expect(root.body.versions).toEqual([TAXII]);
      const collections = await taxii<{
        collections: { id: string; can_read: boolean; can_write: boolean }[];
      }>(`${discovery.body.default}collections/`, { key: france.apiKey });
      expect(collections.status).toBe(200);
      expect(collections.body.collections.map((item) => item.id)).toEqual([collection]);
      expect(collections.body.collections[0]).toMatchObject({
        can_read: true,
        can_write: false,
        media_types: [STIX],
      });
      const one = await taxii<{ id: string }>(`/taxii2/api/collections/${collection}/`, {
        key: france.apiKey,
      });
      expect(one.body).toMatchObject({ id: collection, title: `TAXII ${france.code}` });
    });

    it('serves the objects of every record version the subscription matched and the caller may read, each valid STIX', async () => {
      const { objects } = await walk('objects', 1000);
      const all = objects as StixObject[];
      for (const object of all) expect(stixObjectViolations(object)).toEqual([]);
      const reports = all.filter((object) => object.type === 'report');
      const versions = reports.map((report) => Object.values(report.extensions!)[0]);
      const readable = published.filter((record) => record.id !== hiddenFromFrance);
      expect(new Set(versions.map((version) => version.record_id))).toEqual(
        new Set(readable.map((record) => record.id)),
      );
      expect(versions).toHaveLength(6);
      // Every reference of a report resolves among the objects served with it.
      const ids = new Set(all.map((object) => object.id));
      for (const report of reports)
        for (const ref of report.object_refs as string[]) expect(ids).toContain(ref);
      // The partner's collection holds only what a partner may read: community records and the one sent to it.
      const partners = await taxii<Envelope>(
        `/taxii2/api/collections/${partnerCollection}/objects/?match[type]=report`,
        {
          key: partner.apiKey,
        },
      );
      const handled = (partners.body.objects ?? []).map(
        (report) => (Object.values(report.extensions!)[0] as { handling: string }).handling,
      );
      expect(new Set(handled)).toEqual(new Set(['community', 'restricted']));
    });

    it.each([1, 2, 5, 7])(
      'pages with limit %i through next, never skipping nor repeating an object',
      async (limit) => {
        const whole = (await walk('objects', 1000)).objects as StixObject[];
        const { objects, pages } = await walk('objects', limit);
        expect((objects as StixObject[]).map((object) => object.id)).toEqual(
          whole.map((object) => object.id),
        );
        for (const page of pages) {
          expect((page.body.objects ?? []).length).toBeLessThanOrEqual(limit);
          const first = page.headers.get('x-taxii-date-added-first');
          const last = page.headers.get('x-taxii-date-added-last');
          if ((page.body.objects ?? []).length > 0) {
            expect(first).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
            expect(Date.parse(first!)).toBeLessThanOrEqual(Date.parse(last!));
          }
        }
      },
    );

    it('lists the same objects in the manifest, with their versions and dates added', async () => {
      const objects = (await walk('objects', 1000)).objects as StixObject[];
      const manifest = (await walk('manifest', 4)).objects as NonNullable<Manifest['objects']>;
      expect(manifest.map((line) => [line.id, line.version, line.media_type])).toEqual(
        objects.map((object) => [object.id, object.modified ?? object.created, STIX]),
      );
    });

    it('serves with added_after only what was added since, and filters on match[type]', async () => {
      const first = await taxii<Envelope>(`/taxii2/api/collections/${collection}/objects/`, {
        key: france.apiKey,
      });
      const last = first.headers.get('x-taxii-date-added-last')!;
      const since = await taxii<Envelope>(
        `/taxii2/api/collections/${collection}/objects/?added_after=${last}`,
        {
          key: france.apiKey,
        },
      );
      expect(since.status).toBe(200);
      expect(since.body).toEqual({ more: false });
      const id = await post(germany, 'seizures', sampleSeizure({ handling: 'members' }));
      await expectEventually(async () => {
        const added = await taxii<Envelope>(
          `/taxii2/api/collections/${collection}/objects/?added_after=${last}&match[type]=report,note`,
          { key: france.apiKey },
        );
        expect(added.body.objects?.map((object) => object.type)).toEqual(['report', 'note']);
        expect(Object.values(added.body.objects![0].extensions!)[0].record_id).toBe(id);
      }, 30_000);
    });

    it('takes the API key as Bearer or as the Basic password, and answers TAXII errors (401, 403, 404, 406, 400)', async () => {
      const path = `/taxii2/api/collections/${collection}/objects/?limit=1`;
      expect((await taxii(path, { basic: france.apiKey })).status).toBe(200);
      const anonymous = await taxii(path);
      expectTaxiiError(anonymous, 401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/Basic/);
      expectTaxiiError(await taxii(path, { basic: 'chub_not-a-key' }), 401);
      expectTaxiiError(await taxii('/taxii2/', { key: 'chub_not-a-key' }), 401);
      // Only Bearer elsewhere: the Basic form is for TAXII clients.
      expect(
        (
          await fetch(`${hub.url}/v1/subscriptions`, {
            headers: { authorization: `Basic ${Buffer.from(`x:${france.apiKey}`).toString('base64')}` },
          })
        ).status,
      ).toBe(401);
      expectTaxiiError(await taxii(path, { key: france.apiKey, accept: 'application/json' }), 406);
      expectTaxiiError(
        await taxii('/taxii2/', { key: france.apiKey, accept: 'application/taxii+json;version=2.0' }),
        406,
      );
      // A collection is read only.
      expectTaxiiError(
        await taxii(`/taxii2/api/collections/${collection}/objects/`, { key: france.apiKey, method: 'POST' }),
        403,
      );
      // Another organization's collection is answered like one that does not exist.
      for (const other of [partnerCollection, '6d1b3a52-0f4e-4d55-9d3c-2c1a0e0b9a77', 'not-a-collection']) {
        expectTaxiiError(
          await taxii(`/taxii2/api/collections/${other}/objects/`, { key: france.apiKey }),
          404,
        );
        expectTaxiiError(
          await taxii(`/taxii2/api/collections/${other}/manifest/`, { key: france.apiKey }),
          404,
        );
        expectTaxiiError(await taxii(`/taxii2/api/collections/${other}/`, { key: france.apiKey }), 404);
        expectTaxiiError(
          await taxii(`/taxii2/api/collections/${other}/objects/`, { key: france.apiKey, method: 'POST' }),
          404,
        );
      }
      const bad = await taxii<{ description: string }>(
        `/taxii2/api/collections/${collection}/objects/?limit=0&added_after=yesterday&next=forged&match[colour]=red`,
        { key: france.apiKey },
      );
      expectTaxiiError(bad, 400);
      for (const parameter of ['limit', 'added_after', 'match[colour]'])
        expect(bad.body.description).toContain(parameter);
      const forged = await taxii<{ description: string }>(
        `/taxii2/api/collections/${collection}/objects/?next=${Buffer.from('1~2~3~').toString('base64url')}x`,
        { key: france.apiKey },
      );
      expectTaxiiError(forged, 400);
    });

    it('spends the organization budget as the other routes do, and says so as a TAXII error', async () => {
      const limited = await startGateway(1024 * 1024, { RATE_LIMIT_PER_MINUTE: '2' });
      try {
        const call = (): Promise<Response> =>
          fetch(`${limited.url}/taxii2/api/collections/`, {
            headers: { accept: TAXII, authorization: `Bearer ${france.apiKey}` },
          });
        expect((await call()).status).toBe(200);
        expect((await call()).status).toBe(200);
        const refused = await call();
        expect(refused.status).toBe(429);
        expect(refused.headers.get('content-type')).toBe(TAXII);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await refused.json()).toMatchObject({ http_status: '429' });
      } finally {
        await limited.close();
      }
    });

    it('audits the pages served and the refused attempts', async () => {
      const reply = await taxii<Envelope>(`/taxii2/api/collections/${collection}/objects/?limit=3`, {
        key: france.apiKey,
      });
      const requestId = reply.headers.get('x-request-id');
      await taxii(`/taxii2/api/collections/${collection}/objects/`, { key: partner.apiKey });
      await withDatabase(async (client) => {
        const read = await client.query<{ detail: { via: string }; record_ids: string[] }>(
          "SELECT detail, record_ids FROM audit_events WHERE request_id = $1 AND action = 'feed.read'",
          [requestId],
        );
        expect(read.rows).toHaveLength(1);
        expect(read.rows[0].detail).toMatchObject({ via: 'taxii', endpoint: 'objects' });
        expect(read.rows[0].record_ids.length).toBeGreaterThan(0);
        const refused = await client.query(
          "SELECT 1 FROM audit_events WHERE actor_code = $1 AND outcome = 'refused' AND resource_id = $2 AND status_code = 404",
          [partner.code, collection],
        );
        expect(refused.rows).toHaveLength(1);
      });
    });
  });
});
