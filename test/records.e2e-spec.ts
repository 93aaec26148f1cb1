import { TOPICS } from '@hub/contracts';
import { commodity, sampleAlert, sampleSeizure } from './support/fixtures';
import { memberOf, startHub, type TestHub } from './support/hub-context';
import { expectEventually, readTopic, type TestOrganization, withDatabase } from './support/hub-harness';

interface StoredRecord {
  id: string;
  version: number;
  status: string;
  regions: string[];
  countries: string[];
  originator: string;
  createdAt: string;
  reference: string;
}

describe('alerts and seizure notices from REST to PostgreSQL and Kafka', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let nigeria: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({ services: ['relay'] });
    ({ france, nigeria } = await hub.organizations({ france: memberOf('FR'), nigeria: memberOf('NG') }));
  });

  afterAll(() => hub?.close());

  it('stores an alert, answers 201 with server fields, and publishes it as a CloudEvent keyed by the record', async () => {
    const alert = sampleAlert();
    const created = await hub.api<StoredRecord>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: alert,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      reference: alert.reference,
      version: 1,
      status: 'active',
      originator: france.code,
    });
    // Regions computed by the hub: France (originator, europe), China (asia-pacific), UAE (mena), Germany (europe).
    expect(created.body.regions).toEqual(['asia-pacific', 'europe', 'mena']);
    expect(created.body.countries).toEqual(['AE', 'CN', 'DE', 'FR']);

    const row = await withDatabase((client) =>
      client.query(
        'SELECT reference, version, handling, hs_codes, categories FROM intelligence_records WHERE id = $1',
        [created.body.id],
      ),
    );
    expect(row.rows[0]).toEqual({
      reference: alert.reference,
      version: 1,
      handling: 'members',
      hs_codes: ['722830', '840120'],
      categories: ['dual-use', 'nuclear'],
    });

    const messages = await readTopic(TOPICS.alerts, (seen) =>
      seen.some((message) => message.key === created.body.id),
    );
    const message = messages.find((candidate) => candidate.key === created.body.id);
    expect(message).toBeDefined();
    expect(message!.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'alert.published',
      ce_subject: created.body.id,
      // Absolute, under the hub's public URL (HUB_PUBLIC_URL, default http://127.0.0.1:3000).
      ce_source: `http://127.0.0.1:3000/organizations/${france.code}`,
      ce_dataschema: 'http://127.0.0.1:3000/schemas/PublishedAlert.schema.json',
      ce_handling: 'members',
      ce_regions: 'asia-pacific,europe,mena',
      ce_hscodes: '722830,840120',
      ce_categories: 'dual-use,nuclear',
      'content-type': 'application/json',
    });
    expect(JSON.parse(message!.value)).toMatchObject({
      id: created.body.id,
      reference: alert.reference,
      version: 1,
    });
    await expectEventually(async () => {
      const outbox = await withDatabase((client) =>
        client.query("SELECT published_at FROM outbox_events WHERE event->>'subject' = $1", [
          created.body.id,
        ]),
      );
      expect(outbox.rows).toHaveLength(1);
      expect(outbox.rows[0].published_at).not.toBeNull();
    });
  });

  it('is idempotent on the reference: same body returns the first result, a different body is a conflict', async () => {
    const alert = sampleAlert();
    const first = await hub.api<StoredRecord>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: alert,
    });
    const again = await hub.api<StoredRecord>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: alert,
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const changed = await hub.api('POST', '/v1/alerts', {
      key: france.apiKey,
      body: { ...alert, title: 'Other' },
    });
    expect(changed.status).toBe(409);
    expect(changed.headers.get('content-type')).toContain('application/problem+json');
    // Another organization may use the same reference for its own record.
    const other = await hub.api<StoredRecord>('POST', '/v1/alerts', {
      key: nigeria.apiKey,
      body: alert,
    });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    const count = await withDatabase((client) =>
      client.query('SELECT count(*)::int AS n FROM intelligence_records WHERE reference = $1', [
        alert.reference,
      ]),
    );
    expect(count.rows[0].n).toBe(2);
  });

  it('answers concurrent submissions (written together) each on its own: 201, 200 for a resend, 409', async () => {
    const fresh = Array.from({ length: 24 }, () => sampleAlert());
    const contested = sampleAlert();
    const rival = { ...contested, title: 'Another record under the same reference' };
    const bodies = [...fresh, contested, contested, rival, contested, contested];
    const answers = await Promise.all(
      bodies.map((body) => hub.api<StoredRecord>('POST', '/v1/alerts', { key: france.apiKey, body })),
    );
    const freshAnswers = answers.slice(0, fresh.length);
    expect(freshAnswers.map((answer) => answer.status)).toEqual(fresh.map(() => 201));
    expect(new Set(freshAnswers.map((answer) => answer.body.id)).size).toBe(fresh.length);
    freshAnswers.forEach((answer, index) => expect(answer.body.reference).toBe(fresh[index].reference));
    // One submission of the contested reference is stored; the same body again is its resend, another a conflict.
    const contestedAnswers = answers.slice(fresh.length);
    const winners = contestedAnswers.filter((answer) => answer.status === 201);
    expect(winners).toHaveLength(1);
    const winnerBody = bodies[fresh.length + contestedAnswers.indexOf(winners[0])];
    contestedAnswers.forEach((answer, index) => {
      if (answer === winners[0]) return;
      if (bodies[fresh.length + index] === winnerBody) {
        expect(answer.status).toBe(200);
        expect(answer.body.id).toBe(winners[0].body.id);
      } else expect(answer.status).toBe(409);
    });
    const stored = await withDatabase((client) =>
      client.query<{ reference: string; history: number; outbox: number; audited: number }>(
        `SELECT r.reference,
                (SELECT count(*)::int FROM intelligence_record_versions v WHERE v.record_id = r.id) AS history,
                (SELECT count(*)::int FROM outbox_events o WHERE o.message_key = r.id::text) AS outbox,
                (SELECT count(*)::int FROM audit_events a
                  WHERE a.resource_id = r.id::text AND a.action = 'record.submitted') AS audited
           FROM intelligence_records r WHERE r.reference = ANY($1)`,
        [[...fresh, contested].map((body) => body.reference)],
      ),
    );
    expect(stored.rows).toHaveLength(fresh.length + 1);
    for (const row of stored.rows) expect(row).toMatchObject({ history: 1, outbox: 1, audited: 1 });
  });

  it('keeps every version of a record in order on its partition: published, updated, withdrawn', async () => {
    const created = await hub.api<StoredRecord>('POST', '/v1/alerts', {
      key: france.apiKey,
      body: sampleAlert(),
    });
    const revised = await hub.api<StoredRecord & { severity: string }>(
      'PATCH',
      `/v1/alerts/${created.body.id}`,
      {
        key: france.apiKey,
        body: { severity: 'critical' },
      },
    );
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ id: created.body.id, version: 2, severity: 'critical' });
    const foreign = await hub.api('POST', `/v1/alerts/${created.body.id}/withdraw`, {
      key: nigeria.apiKey,
    });
    expect(foreign.status).toBe(403);
    const withdrawn = await hub.api<StoredRecord>('POST', `/v1/alerts/${created.body.id}/withdraw`, {
      key: france.apiKey,
    });
    expect(withdrawn.body).toMatchObject({ version: 3, status: 'withdrawn' });
    const again = await hub.api('PATCH', `/v1/alerts/${created.body.id}`, {
      key: france.apiKey,
      body: { severity: 'low' },
    });
    expect(again.status).toBe(409);

    const messages = await readTopic(
      TOPICS.alerts,
      (seen) => seen.filter((message) => message.key === created.body.id).length >= 3,
    );
    const versions = messages.filter((message) => message.key === created.body.id);
    expect(versions.map((message) => message.headers.ce_type)).toEqual([
      'alert.published',
      'alert.updated',
      'alert.withdrawn',
    ]);
    expect(new Set(versions.map((message) => message.partition)).size).toBe(1);
    expect(versions.map((message) => (JSON.parse(message.value) as StoredRecord).version)).toEqual([1, 2, 3]);
  });

  it('publishes seizure notices on their own topic with the seizure country among the regions', async () => {
    const created = await hub.api<StoredRecord>('POST', '/v1/seizures', {
      key: nigeria.apiKey,
      body: sampleSeizure(),
    });
    expect(created.status).toBe(201);
    expect(created.body.regions).toEqual(['asia-pacific', 'west-central-africa']);
    const messages = await readTopic(TOPICS.seizures, (seen) =>
      seen.some((message) => message.key === created.body.id),
    );
    const message = messages.find((candidate) => candidate.key === created.body.id)!;
    expect(message.headers.ce_type).toBe('seizure.published');
    expect(message.headers.ce_categories).toBe('chemical');
  });

  it('pages through the records the caller may read, with filters and a stable cursor', async () => {
    const reader = await hub.organization(memberOf('KE'));
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const response = await hub.api<StoredRecord>('POST', '/v1/alerts', {
        key: reader.apiKey,
        body: sampleAlert({
          commodities: [commodity('930690', 'conventional-arms', 'Ammunition parts')],
        }),
      });
      ids.push(response.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/alerts?category=conventional-arms&hs=9306&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await hub.api<{ items: StoredRecord[]; nextCursor: string | null }>('GET', query, {
        key: reader.apiKey,
      });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);

    const filtered = await hub.api<{ items: StoredRecord[] }>('GET', '/v1/alerts?region=americas&hs=9306', {
      key: reader.apiKey,
    });
    expect(filtered.body.items.filter((item) => ids.includes(item.id))).toEqual([]);
    const forged = await hub.api('GET', '/v1/alerts?cursor=bm90LWEtY3Vyc29y', {
      key: reader.apiKey,
    });
    expect(forged.status).toBe(400);
  });
});
