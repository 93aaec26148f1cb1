import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseHtml, type HTMLElement } from 'node-html-parser';
import { commodity, sampleAlert, sampleSeizure } from './support/fixtures';
import { withDatabase, type TestOrganization } from './support/hub-harness';
import { memberOf, startHub, type TestHub, theSecretariat } from './support/hub-context';

interface Report {
  operation: { code: string; name: string };
  totals: {
    seizures: number;
    alerts: number;
    alertsLeadingToSeizures: number;
    withheld: { seizures: number; alerts: number };
  };
  seizures: Record<string, Record<string, number>>;
  quantities: Record<string, Record<string, number>>;
  estimatedValues: Record<string, number>;
  alertsLeadingToSeizures: { id: string; reference: string; originator: string; seizures: string[] }[];
  participation: {
    registered: number;
    reporting: number;
    silent: number;
    organizations: { organization: string; role: string; seizures: number; alerts: number }[];
  };
}

const HOUR = 3_600_000;
const iso = (at: number): string => new Date(at).toISOString();

/** A seizure line under an HS code, of so many kilograms. */
function line(hsCode: string, category: string, kg: number, euros?: number): Record<string, unknown> {
  return {
    ...commodity(hsCode, category, `Goods under ${hsCode}`),
    quantity: { value: kg, unit: 'kg' },
    ...(euros === undefined ? {} : { estimatedValue: { amount: euros, currency: 'EUR' } }),
  };
}

/**
 * The end-of-operation report (issue 15, item 4) over the scripted operation: 3 participants;
 * 5 seizures (2 nuclear under HS 2844 of 12 kg and 3 kg, 3 chemical under HS 2812 and 2931);
 * 2 alerts; one seizure naming an alert. Its figures are asserted exactly in each representation.
 */
describe('GET /v1/operations/{code}/report', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let germany: TestOrganization;
  let kenya: TestOrganization;
  let outsider: TestOrganization;
  let secretariat: TestOrganization;
  let code: string;
  let namedAlertId: string;
  const now = Date.now();

  const report = (who: TestOrganization, headers: Record<string, string> = {}) =>
    fetch(`${hub.url}/v1/operations/${code}/report`, {
      headers: { authorization: `Bearer ${who.apiKey}`, ...headers },
    });

  beforeAll(async () => {
    hub = await startHub();
    ({ france, germany, kenya, outsider, secretariat } = await hub.organizations({
      france: memberOf('FR'),
      germany: memberOf('DE'),
      kenya: memberOf('KE'),
      outsider: memberOf('JP'),
      secretariat: theSecretariat(),
    }));
    code = `COSMO-${randomUUID().slice(0, 8)}`;
    const created = await hub.api('POST', '/v1/operations', {
      key: secretariat.apiKey,
      body: {
        code,
        name: 'COSMO <III>',
        description: 'Scripted operation of the report test',
        period: { start: iso(now - 72 * HOUR), end: iso(now + 30 * 24 * HOUR) },
        phases: [
          { name: 'Targeting', start: iso(now - 48 * HOUR), end: iso(now - 24 * HOUR) },
          { name: 'Interdiction', start: iso(now - 24 * HOUR), end: iso(now + 24 * HOUR) },
        ],
        participants: [
          { organization: france.code, role: 'coordinator' },
          { organization: germany.code, role: 'participant' },
          { organization: kenya.code, role: 'participant' },
        ],
      },
    });
    expect(created.status).toBe(201);

    const tagged = { operation: code, handling: 'operation', recipients: [] };
    await hub.submit(france, 'alert', sampleAlert({ ...tagged, reference: `FR-A1-${code}` }));
    const named = await hub.submit(
      france,
      'alert',
      sampleAlert({
        ...tagged,
        reference: `FR-A2-${code}`,
        commodities: [commodity('284410', 'nuclear', 'Uranium')],
      }),
    );
    namedAlertId = named.id;
    const seizure = (overrides: Record<string, unknown>) =>
      sampleSeizure({ ...tagged, route: undefined, entities: [], ...overrides });
    await hub.submit(
      germany,
      'seizure',
      seizure({
        seizedAt: iso(now - 30 * HOUR),
        country: 'DE',
        detectionMethod: 'non-intrusive-inspection',
        conveyance: 'sea',
        locationType: 'seaport',
        commodities: [line('284410', 'nuclear', 12, 40000)],
        relatedAlerts: [named.id],
      }),
    );
    await hub.submit(
      germany,
      'seizure',
      seizure({
        seizedAt: iso(now - 2 * HOUR),
        country: 'DE',
        detectionMethod: 'risk-profiling',
        conveyance: 'road',
        locationType: 'land-border',
        commodities: [line('284430', 'nuclear', 3, 9000.5)],
      }),
    );
    await hub.submit(
      france,
      'seizure',
      seizure({
        seizedAt: iso(now - 40 * HOUR),
        country: 'FR',
        detectionMethod: 'intelligence',
        conveyance: 'air',
        locationType: 'airport',
        commodities: [line('281219', 'chemical', 0.1)],
      }),
    );
    await hub.submit(
      france,
      'seizure',
      seizure({
        seizedAt: iso(now - 3 * HOUR),
        country: 'FR',
        detectionMethod: 'risk-profiling',
        conveyance: 'sea',
        locationType: 'seaport',
        commodities: [line('293190', 'chemical', 0.2, 150)],
      }),
    );
    await hub.submit(
      france,
      'seizure',
      seizure({
        seizedAt: iso(now - 60 * HOUR),
        country: 'KE',
        detectionMethod: 'detector-dog',
        conveyance: 'express',
        locationType: 'airport',
        commodities: [line('281210', 'chemical', 5)],
      }),
    );
    // Not the operation's: never counted.
    await hub.submit(france, 'seizure', sampleSeizure());
  });

  afterAll(() => hub?.close());

  it('answers the figures as JSON by default', async () => {
    const response = await report(kenya);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('vary')).toMatch(/accept/i);
    const body = (await response.json()) as Report;

    expect(body.operation.code).toBe(code);
    expect(body.totals).toEqual({
      seizures: 5,
      alerts: 2,
      alertsLeadingToSeizures: 1,
      withheld: { seizures: 0, alerts: 0 },
    });
    expect(body.seizures.byCategory).toMatchObject({ nuclear: 2, chemical: 3, biological: 0 });
    expect(body.seizures.byHsChapter).toEqual({ '28': 4, '29': 1 });
    expect(body.seizures.byCountry).toEqual({ DE: 2, FR: 2, KE: 1 });
    expect(body.seizures.byRegion).toMatchObject({ europe: 4, 'east-southern-africa': 1, americas: 0 });
    expect(body.seizures.byDetectionMethod).toEqual({
      'risk-profiling': 2,
      intelligence: 1,
      'random-check': 0,
      'non-intrusive-inspection': 1,
      'detector-dog': 1,
      other: 0,
    });
    expect(body.seizures.byConveyance).toEqual({ sea: 2, air: 1, road: 1, rail: 0, postal: 0, express: 1 });
    expect(body.seizures.byPhase).toEqual({ Targeting: 2, Interdiction: 2, 'outside-phases': 1 });
    expect(body.seizures.byLocationType).toMatchObject({ seaport: 2, airport: 2, 'land-border': 1 });
    expect(body.quantities).toEqual({ nuclear: { kg: 15 }, chemical: { kg: 5.3 } });
    expect(body.estimatedValues).toEqual({ EUR: 49150.5 });
    expect(body.alertsLeadingToSeizures).toHaveLength(1);
    expect(body.alertsLeadingToSeizures[0]).toMatchObject({ id: namedAlertId, originator: france.code });
    expect(body.participation).toMatchObject({ registered: 3, reporting: 2, silent: 1 });
    expect(body.participation.organizations).toContainEqual({
      organization: kenya.code,
      role: 'participant',
      seizures: 0,
      alerts: 0,
    });
  });

  it('answers the same figures as CSV, one table per breakdown', async () => {
    const response = await report(germany, { accept: 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await response.text();
    const rows = parseCsv<Record<string, string>>(text, { columns: true });
    const value = (table: string, key: string, detail = ''): number => {
      const found = rows.filter((row) => row.table === table && row.key === key && row.detail === detail);
      expect(found).toHaveLength(1);
      return Number(found[0].value);
    };

    expect(text.split('\r\n')[0]).toBe('table,key,detail,value');
    expect(value('totals', 'seizures')).toBe(5);
    expect(value('totals', 'alerts')).toBe(2);
    expect(value('byCategory', 'nuclear')).toBe(2);
    expect(value('byCategory', 'chemical')).toBe(3);
    expect(value('byHsChapter', '28')).toBe(4);
    expect(value('byHsChapter', '29')).toBe(1);
    expect(value('byCountry', 'KE')).toBe(1);
    expect(value('byRegion', 'europe')).toBe(4);
    expect(value('byDetectionMethod', 'risk-profiling')).toBe(2);
    expect(value('byPhase', 'outside-phases')).toBe(1);
    expect(value('quantities', 'nuclear', 'kg')).toBe(15);
    expect(value('quantities', 'chemical', 'kg')).toBe(5.3);
    expect(value('estimatedValues', 'EUR')).toBe(49150.5);
    expect(value('participation', 'registered')).toBe(3);
    expect(value('participation', 'reporting')).toBe(2);
    expect(value('alertsLeadingToSeizures', namedAlertId, `FR-A2-${code}`)).toBe(1);
  });

  it('answers a printable page with its charts as inline SVG, in French on request', async () => {
    const response = await report(france, {
      accept: 'text/html',
      'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(response.headers.get('content-security-policy')).not.toMatch(/script-src/);
    const page = parseHtml(await response.text());
    const cells = (id: string, first: string): string[] | undefined =>
      page
        .querySelectorAll(`#${id} tbody tr`)
        .map((row: HTMLElement) => row.querySelectorAll('td').map((cell) => cell.text))
        .find((row) => row[0] === first);

    expect(page.querySelector('html')?.getAttribute('lang')).toBe('fr');
    expect(page.querySelector('h1')?.text).toBe(`COSMO <III> (${code})`);
    expect(page.querySelectorAll('#summary li').map((item) => item.text)).toEqual([
      'Saisies5',
      'Alertes2',
      'Alertes ayant conduit à des saisies1',
    ]);
    for (const id of ['categories', 'detection-methods', 'phases'])
      expect(page.querySelector(`#${id} figure svg`)?.querySelectorAll('path').length).toBeGreaterThan(0);
    expect(page.querySelector('#categories svg')?.text).toContain('Nucléaire');
    expect(cells('regions', 'Europe')).toEqual(['Europe', '4']);
    expect(cells('regions', 'Afrique orientale et australe')).toEqual(['Afrique orientale et australe', '1']);
    expect(cells('hs-chapters', '28')).toEqual(['28', '4']);
    expect(cells('quantities', 'Nucléaire')).toEqual(['Nucléaire', 'kg', '15']);
    expect(cells('quantities', 'Chimique')).toEqual(['Chimique', 'kg', '5,3']);
    expect(cells('phases', 'Targeting')?.[3]).toBe('2');
    expect(cells('participation', kenya.code)).toEqual([kenya.code, 'participant', '0', '0']);
    expect(page.querySelectorAll('script')).toHaveLength(0);
  });

  it('is 404 for an organization outside the operation and for an unknown code, 406 for another type', async () => {
    expect((await report(outsider)).status).toBe(404);
    const unknown = await fetch(`${hub.url}/v1/operations/NO-SUCH-OP/report`, {
      headers: { authorization: `Bearer ${france.apiKey}` },
    });
    expect(unknown.status).toBe(404);
    const refused = await report(france, { accept: 'application/pdf' });
    expect(refused.status).toBe(406);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${hub.url}/v1/operations/${code}/report`)).status).toBe(401);
  });

  it('counts only what each reader may read; the Secretariat sees the rest as withheld', async () => {
    // Restricted to Germany: France (originator) and Germany count it, Kenya does not, the
    // Secretariat (not a recipient) gets it as a withheld count.
    await hub.submit(
      france,
      'seizure',
      sampleSeizure({
        operation: code,
        handling: 'restricted',
        recipients: [germany.code],
        country: 'FR',
        commodities: [line('284410', 'nuclear', 1)],
      }),
    );
    const totals = async (who: TestOrganization) => ((await (await report(who)).json()) as Report).totals;

    expect((await totals(france)).seizures).toBe(6);
    expect((await totals(germany)).seizures).toBe(6);
    expect(await totals(kenya)).toMatchObject({ seizures: 5, withheld: { seizures: 0, alerts: 0 } });
    expect(await totals(secretariat)).toMatchObject({ seizures: 5, withheld: { seizures: 1, alerts: 0 } });
  });

  it('audits every read of the report, and the refused ones', async () => {
    const rows = await withDatabase(
      async (client) =>
        (
          await client.query<{
            actor_code: string;
            outcome: string;
            status_code: number;
            detail: { rendering?: string } | null;
          }>(
            `SELECT actor_code, outcome, status_code, detail FROM audit_events
            WHERE action = 'operation.report-read' AND resource_id = $1 ORDER BY id`,
            [code],
          )
        ).rows,
    );
    const read = rows.filter((row) => row.outcome === 'success');
    expect(new Set(read.map((row) => row.detail?.rendering))).toEqual(new Set(['json', 'csv', 'html']));
    expect(rows).toContainEqual(
      expect.objectContaining({ actor_code: outsider.code, outcome: 'refused', status_code: 404 }),
    );
  });
});
