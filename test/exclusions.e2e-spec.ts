import { regionalTopic } from '@hub/contracts';
import { commodity, routed, sampleAlert, sampleSeizure } from './support/fixtures';
import {
  expectEventually,
  hubStateFingerprint,
  readTopicToEnd,
  type TestOrganization,
} from './support/hub-harness';
import {
  memberOf,
  partnerAgency,
  riloFor,
  startHub,
  type TestHub,
  theSecretariat,
} from './support/hub-context';

interface Problem {
  status: number;
  errors?: { field: string; pointer: string; detail: string }[];
}

interface FeedPage {
  events: { data: { id: string; version: number } }[];
  nextCursor: string | null;
}

/**
 * Tip-off protection (M-2): an originator keeps organizations, or every organization of a country,
 * away from a record on every channel the hub serves, even where the handling would admit them;
 * the WCO Secretariat still reads it. Recipients and exclusions must name registered
 * organizations (L-1), and text fields refuse what spoofs a display (I-1).
 */
describe('originator exclusions reach every channel', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let korea: TestOrganization;
  let japan: TestOrganization;
  let riloAsia: TestOrganization;
  let secretariat: TestOrganization;
  let iaea: TestOrganization;
  let interpol: TestOrganization;
  /** Each watcher's pull feed and webhook subscription, everything unfiltered. */
  const channels = new Map<string, { pull: string; webhook: string; path: string }>();

  // Listings are read from here on: this file's records, not the whole shared database.
  const startedAt = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    hub = await startHub({ services: ['relay', 'router', 'notifier'], receiver: { secret: null } });
    ({ france, korea, japan, riloAsia, secretariat, iaea, interpol } = await hub.organizations({
      france: memberOf('FR'),
      korea: memberOf('KR'),
      japan: memberOf('JP'),
      riloAsia: riloFor('asia-pacific'),
      secretariat: theSecretariat(),
      iaea: partnerAgency(),
      interpol: partnerAgency(),
    }));
    for (const watcher of [korea, japan, riloAsia, secretariat, iaea, interpol]) {
      const path = `${new URL(hub.receiver.url).pathname}/${watcher.code}`;
      const pull = await hub.subscribe(watcher, { name: `all of ${watcher.code}` });
      const webhook = await hub.subscribe(watcher, {
        name: `all of ${watcher.code} by webhook`,
        delivery: { type: 'webhook', url: `${new URL(hub.receiver.url).origin}${path}` },
      });
      channels.set(watcher.code, { pull: pull.id, webhook: webhook.id, path });
    }
  });

  afterAll(() => hub?.close());

  async function listed(reader: TestOrganization, collection: 'alerts' | 'seizures'): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } =
        await hub.api(
          'GET',
          `/v1/${collection}?limit=200&since=${encodeURIComponent(startedAt)}${cursor ? `&cursor=${cursor}` : ''}`,
          { key: reader.apiKey },
        );
      expect(page.status).toBe(200);
      ids.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids;
  }

  async function pulled(reader: TestOrganization): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { body: FeedPage } = await hub.api(
        'GET',
        `/v1/subscriptions/${channels.get(reader.code)!.pull}/events?limit=500${after ? `&after=${after}` : ''}`,
        { key: reader.apiKey },
      );
      if (page.body.events.length === 0) return ids;
      ids.push(...page.body.events.map((event) => event.data.id));
      after = page.body.nextCursor;
    }
  }

  async function taxiiObjects(reader: TestOrganization): Promise<string> {
    const response = await fetch(
      `${hub.url}/taxii2/api/collections/${channels.get(reader.code)!.pull}/objects/?limit=1000`,
      { headers: { authorization: `Bearer ${reader.apiKey}`, accept: 'application/taxii+json;version=2.1' } },
    );
    expect(response.status).toBe(200);
    return response.text();
  }

  function webhooked(reader: TestOrganization): string[] {
    const { path } = channels.get(reader.code)!;
    return hub.receiver.requests
      .filter((request) => request.path === path)
      .map((request) => (JSON.parse(request.body) as { data: { id: string } }).data.id);
  }

  async function deliveryLog(reader: TestOrganization): Promise<string[]> {
    const log = await hub.api<{ deliveries: { recordId: string }[] }>(
      'GET',
      `/v1/subscriptions/${channels.get(reader.code)!.webhook}/deliveries`,
      { key: reader.apiKey },
    );
    expect(log.status).toBe(200);
    return log.body.deliveries.map((delivery) => delivery.recordId);
  }

  /** Everything the hub serves this organization, by channel, as record ids (TAXII as its raw text). */
  async function everything(reader: TestOrganization): Promise<Record<string, string[] | string>> {
    return {
      alerts: await listed(reader, 'alerts'),
      seizures: await listed(reader, 'seizures'),
      pull: await pulled(reader),
      webhook: webhooked(reader),
      deliveries: await deliveryLog(reader),
      taxii: await taxiiObjects(reader),
    };
  }

  /** Waits until `reader` has `id` on every channel (its routing is done), and returns what it has. */
  async function deliveredTo(reader: TestOrganization, id: string): Promise<void> {
    await expectEventually(
      async () => {
        expect(await pulled(reader)).toContain(id);
        expect(webhooked(reader)).toContain(id);
      },
      30_000,
      200,
    );
  }

  function expectNowhere(seen: Record<string, string[] | string>, id: string): void {
    for (const [channel, ids] of Object.entries(seen))
      expect({ channel, has: ids.includes(id) }).toEqual({ channel, has: false });
  }

  const asianAlert = (overrides: Record<string, unknown>): Record<string, unknown> =>
    sampleAlert({
      ...routed('FR', 'DE'),
      // The consignee names Korea: region handling alone would release the record to Asia/Pacific.
      entities: [{ name: 'Han River Trading Co.', role: 'consignee', country: 'KR' }],
      commodities: [commodity('284410', 'nuclear', 'Uranium hexafluoride')],
      ...overrides,
    });

  it('keeps a region record that names a Korean consignee from every Korean organization, on every channel', async () => {
    const excluded = await hub.submit(
      france,
      'alert',
      asianAlert({ handling: 'region', excludeCountries: ['KR'] }),
    );
    // The concerned regions stay what the record concerns; the 201 echoes the exclusion.
    expect(excluded.regions).toEqual(['asia-pacific', 'europe']);
    expect(excluded.excludeCountries).toEqual(['KR']);
    // The same record without the exclusion, as a witness that Korea's channels work.
    const witness = await hub.submit(france, 'alert', asianAlert({ handling: 'region' }));

    // Japan (Asia/Pacific, not excluded) and the RILO get the record: it was routed.
    await deliveredTo(japan, excluded.id);
    await deliveredTo(korea, witness.id);
    // A RILO is no country: kr-customs is kept out, the regional office is not (exclude it by code).
    await deliveredTo(riloAsia, excluded.id);
    expect((await hub.api('GET', `/v1/alerts/${excluded.id}`, { key: riloAsia.apiKey })).status).toBe(200);

    expect((await hub.api('GET', `/v1/alerts/${excluded.id}`, { key: korea.apiKey })).status).toBe(404);
    expect((await hub.api('GET', `/v1/alerts/${witness.id}`, { key: korea.apiKey })).status).toBe(200);
    expectNowhere(await everything(korea), excluded.id);

    // Tip-off protection is against the parties concerned, not the WCO.
    expect((await hub.api('GET', `/v1/alerts/${excluded.id}`, { key: secretariat.apiKey })).status).toBe(200);
    expect(await listed(secretariat, 'alerts')).toContain(excluded.id);
    await deliveredTo(secretariat, excluded.id);

    // The Asia/Pacific stream, which every Korean member can read, never carries it; Europe's does.
    await expectEventually(
      async () => {
        const europe = await readTopicToEnd(regionalTopic('europe'));
        expect(europe.map((message) => message.key)).toEqual(
          expect.arrayContaining([excluded.id, witness.id]),
        );
      },
      30_000,
      500,
    );
    const asia = (await readTopicToEnd(regionalTopic('asia-pacific'))).map((message) => message.key);
    expect(asia).toContain(witness.id);
    expect(asia).not.toContain(excluded.id);
  });

  it('keeps a community record from an excluded partner on every channel while another partner gets it', async () => {
    const excluded = await hub.submit(
      france,
      'seizure',
      sampleSeizure({ handling: 'community', excludeOrganizations: [iaea.code.toUpperCase()] }),
    );
    // Codes are lowercased like every other organization code.
    expect(excluded.excludeOrganizations).toEqual([iaea.code]);
    const witness = await hub.submit(france, 'seizure', sampleSeizure({ handling: 'community' }));

    await deliveredTo(interpol, excluded.id);
    await deliveredTo(iaea, witness.id);
    expect((await hub.api('GET', `/v1/seizures/${excluded.id}`, { key: interpol.apiKey })).status).toBe(200);
    expect(await listed(interpol, 'seizures')).toContain(excluded.id);
    expect(await taxiiObjects(interpol)).toContain(excluded.id);

    expect((await hub.api('GET', `/v1/seizures/${excluded.id}`, { key: iaea.apiKey })).status).toBe(404);
    expectNowhere(await everything(iaea), excluded.id);
    expect(await taxiiObjects(iaea)).toContain(witness.id);

    // A shared topic cannot leave one reader out: the record goes to no regional stream.
    await expectEventually(
      async () =>
        expect((await readTopicToEnd(regionalTopic('europe'))).map((message) => message.key)).toContain(
          witness.id,
        ),
      30_000,
      500,
    );
    expect((await readTopicToEnd(regionalTopic('europe'))).map((message) => message.key)).not.toContain(
      excluded.id,
    );
  });

  it('applies an exclusion added by a revision to REST reads and listings at once', async () => {
    const record = await hub.submit(france, 'alert', asianAlert({ handling: 'members' }));
    expect((await hub.api('GET', `/v1/alerts/${record.id}`, { key: korea.apiKey })).status).toBe(200);
    const revised = await hub.api<{ version: number }>('PATCH', `/v1/alerts/${record.id}`, {
      key: france.apiKey,
      body: { excludeCountries: ['KR'], excludeOrganizations: [riloAsia.code] },
    });
    expect(revised.status).toBe(200);
    for (const reader of [korea, riloAsia]) {
      expect((await hub.api('GET', `/v1/alerts/${record.id}`, { key: reader.apiKey })).status).toBe(404);
      expect(await listed(reader, 'alerts')).not.toContain(record.id);
    }
    expect((await hub.api('GET', `/v1/alerts/${record.id}`, { key: japan.apiKey })).status).toBe(200);
  });
});

describe('what a record may name, and what its text may hold', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let korea: TestOrganization;
  let secretariat: TestOrganization;

  beforeAll(async () => {
    hub = await startHub();
    ({ france, korea, secretariat } = await hub.organizations({
      france: memberOf('FR'),
      korea: memberOf('KR'),
      secretariat: theSecretariat(),
    }));
  });

  afterAll(() => hub?.close());

  async function refused(
    method: 'POST' | 'PATCH',
    path: string,
    body: Record<string, unknown>,
  ): Promise<{ field: string; detail: string }[]> {
    const before = await hubStateFingerprint();
    const response = await hub.api<Problem>(method, path, { key: france.apiKey, body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await hubStateFingerprint()).toEqual(before);
    return response.body.errors!.map(({ field, detail }) => ({ field, detail }));
  }

  const fields = (errors: { field: string }[]): string[] => errors.map((error) => error.field);

  it('refuses recipients that name no registered organization, at submission and at revision (L-1)', async () => {
    const errors = await refused(
      'POST',
      '/v1/alerts',
      sampleAlert({ handling: 'restricted', recipients: [korea.code, 'us-cbp'] }),
    );
    expect(errors).toEqual([
      { field: 'recipients[1]', detail: expect.stringContaining('registered organization') },
    ]);

    const record = await hub.submit(france, 'alert', sampleAlert({ handling: 'members' }));
    expect(
      fields(
        await refused('PATCH', `/v1/alerts/${record.id}`, {
          handling: 'restricted',
          recipients: ['not-registered-yet', korea.code],
        }),
      ),
    ).toEqual(['recipients[0]']);
    const seizure = await hub.submit(france, 'seizure', sampleSeizure({ handling: 'members' }));
    expect(
      fields(await refused('PATCH', `/v1/seizures/${seizure.id}`, { excludeOrganizations: ['us-cbp'] })),
    ).toEqual(['excludeOrganizations[0]']);
    // A registered code in capitals is the organization's.
    const restricted = await hub.api('POST', '/v1/alerts', {
      key: france.apiKey,
      body: sampleAlert({ handling: 'restricted', recipients: [korea.code.toUpperCase()] }),
    });
    expect(restricted.status).toBe(201);
  });

  it('refuses exclusions that are unknown, the originator itself, its own country, a recipient or the Secretariat', async () => {
    const errors = await refused(
      'POST',
      '/v1/seizures',
      sampleSeizure({
        handling: 'restricted',
        recipients: [korea.code],
        excludeOrganizations: ['us-cbp', france.code, korea.code, secretariat.code],
        excludeCountries: ['CN', 'FR'],
      }),
    );
    expect(fields(errors).sort()).toEqual([
      'excludeCountries[1]',
      'excludeOrganizations[0]',
      'excludeOrganizations[1]',
      'excludeOrganizations[2]',
      'excludeOrganizations[3]',
    ]);
    expect(fields(await refused('POST', '/v1/alerts', sampleAlert({ excludeCountries: ['kr'] })))).toEqual([
      'excludeCountries[0]',
    ]);
  });

  it.each([
    ['a right-to-left override', 'title', { title: 'Invoice \u202Efdp.exe' }],
    ['a C1 control (CSI)', 'title', { title: 'Valves \u009B31m' }],
    ['a first-strong isolate', 'summary', { summary: 'Valves \u2068hidden\u2069' }],
    ['a line feed in a one-line field', 'title', { title: 'Valves\n{"level":"fatal"}' }],
    [
      'a carriage return in a party name',
      'entities[0].name',
      { entities: [{ name: 'Example\rForged', role: 'consignor', country: 'AE' }] },
    ],
  ])('refuses %s in text, naming the field (I-1)', async (_what, field, overrides) => {
    expect(fields(await refused('POST', '/v1/alerts', sampleAlert(overrides)))).toEqual([field]);
  });

  it('keeps line breaks in prose and the directional marks right-to-left text needs', async () => {
    const created = await hub.api<{ summary: string }>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: sampleAlert({
        title: 'Valves \u200Fصمامات\u200E DN50',
        summary: 'First consignment in March.\r\nSecond in April.',
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body.summary).toBe('First consignment in March.\r\nSecond in April.');
  });
});
