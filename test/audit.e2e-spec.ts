import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { sampleAlert } from './support/fixtures';
import {
  ADMIN_TOKEN,
  expectEventually,
  type TestOrganization,
  withDatabase,
  withOwnerDatabase,
} from './support/hub-harness';
import { memberOf, partnerAgency, startHub, theSecretariat, type TestHub } from './support/hub-context';

interface AuditEntry {
  id: string;
  occurredAt: string;
  requestId: string | null;
  clientRequestId: string | null;
  actor: { type: string; id: string | null; code: string | null; kind: string | null };
  action: string;
  outcome: 'success' | 'refused';
  statusCode: number | null;
  resource: { type: string; id: string | null };
  recordIds: string[];
  eventIds: string[];
  detail: Record<string, unknown>;
}
interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}
interface PublishedAlert {
  id: string;
  version: number;
  regions: string[];
}
interface FeedPage {
  events: { id: string; subject: string; type: string }[];
  nextCursor: string | null;
}
interface DeliveryLog {
  deliveries: { id: string; eventId: string; recordId: string; status: string; attempts: number }[];
}

/** What an entry says, without the parts that differ from run to run. */
function shape(entry: AuditEntry): string {
  return [
    entry.actor.code ?? entry.actor.type,
    entry.action,
    entry.outcome,
    entry.statusCode ?? '-',
    `${entry.resource.type}/${entry.resource.id ?? '-'}`,
    `records=${[...entry.recordIds].sort().join(',')}`,
    `events=${[...entry.eventIds].sort().join(',')}`,
  ].join(' ');
}

describe('audit trail: every write, record read and delivery, and refused attempts, append-only', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let germany: TestOrganization;
  let secretariat: TestOrganization;
  let partner: TestOrganization;

  beforeAll(async () => {
    hub = await startHub({
      services: ['relay', 'router', 'notifier'],
      // One quick attempt, then a long wait: the test retries the failed delivery by hand.
      env: { notifier: { WEBHOOK_RETRY_SCHEDULE_MS: '0,600000' } },
      receiver: { secret: null },
    });
    ({ france, germany, secretariat, partner } = await hub.organizations({
      france: memberOf('FR'),
      germany: memberOf('DE'),
      secretariat: theSecretariat(),
      partner: partnerAgency(),
    }));
  });

  afterAll(() => hub?.close());

  /**
   * Every entry matching `query`, following the cursor through pages of `limit` up to a short page
   * (each reading of the trail is itself an entry, so the trail never ends in an empty page).
   */
  async function readAudit(query: string, limit = 7): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: { status: number; body: AuditPage } = await hub.api<AuditPage>(
        'GET',
        `/v1/audit?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        { key: secretariat.apiKey },
      );
      expect(page.status).toBe(200);
      entries.push(...page.body.entries);
      if (page.body.entries.length < limit) return entries;
      cursor = page.body.nextCursor;
    }
  }

  async function withRequestId(
    requestId: string,
    path: string,
    key: string,
  ): Promise<{ status: number; requestId: string | null }> {
    const response = await fetch(`${hub.url}${path}`, {
      headers: { authorization: `Bearer ${key}`, 'x-request-id': requestId },
    });
    await response.text();
    return { status: response.status, requestId: response.headers.get('x-request-id') };
  }

  it('records a scripted scenario completely and exactly', async () => {
    const since = new Date().toISOString();
    const expected: string[] = [];
    const sub = (code: string, action: string, id: string): string =>
      `${code} ${action} success - subscription/${id} records= events=`;

    // Subscriptions: France pulls dual-use goods, Germany receives nuclear goods by webhook.
    const pull = await hub.api<{ subscription: { id: string } }>('POST', '/v1/subscriptions', {
      key: france.apiKey,
      body: { name: 'dual-use', filter: { categories: ['dual-use'] }, delivery: { type: 'pull' } },
    });
    expect(pull.status).toBe(201);
    const pullId = pull.body.subscription.id;
    expected.push(sub(france.code, 'subscription.created', pullId));
    const hook = await hub.api<{ subscription: { id: string } }>('POST', '/v1/subscriptions', {
      key: germany.apiKey,
      body: {
        name: 'nuclear',
        filter: { types: ['alert'], categories: ['nuclear'] },
        delivery: { type: 'webhook', url: hub.receiver.url },
      },
    });
    expect(hook.status).toBe(201);
    const hookId = hook.body.subscription.id;
    expected.push(sub(germany.code, 'subscription.created', hookId));
    expect(
      (
        await hub.api('PATCH', `/v1/subscriptions/${pullId}`, {
          key: france.apiKey,
          body: { name: 'dual-use goods' },
        })
      ).status,
    ).toBe(200);
    expected.push(sub(france.code, 'subscription.updated', pullId));
    expect(
      (await hub.api('POST', `/v1/subscriptions/${hookId}/rotate-secret`, { key: germany.apiKey })).status,
    ).toBe(200);
    expected.push(sub(germany.code, 'subscription.secret-rotated', hookId));
    expect(
      (await hub.api('POST', `/v1/subscriptions/${hookId}/resume`, { key: germany.apiKey })).status,
    ).toBe(200);
    expected.push(sub(germany.code, 'subscription.resumed', hookId));

    // Writes: submit, replay, revise, withdraw; and a restricted alert only France may read.
    hub.receiver.failNext(1, 500);
    const body = sampleAlert({ handling: 'members' });
    const submitted = await hub.api<PublishedAlert>('POST', '/v1/alerts', {
      key: france.apiKey,
      body,
    });
    expect(submitted.status).toBe(201);
    const alert = submitted.body;
    const record = (action: string, code = france.code, outcome = 'success', status: number | string = '-') =>
      `${code} ${action} ${outcome} ${status} alert/${alert.id} records=${alert.id} events=`;
    expected.push(record('record.submitted'));
    expect((await hub.api('POST', '/v1/alerts', { key: france.apiKey, body })).status).toBe(200);
    expected.push(record('record.replayed'));
    expect(
      (
        await hub.api('PATCH', `/v1/alerts/${alert.id}`, {
          key: france.apiKey,
          body: { title: 'Maraging steel tubes, second shipment' },
        })
      ).status,
    ).toBe(200);
    expected.push(record('record.revised'));
    const restricted = await hub.api<PublishedAlert>('POST', '/v1/alerts', {
      key: france.apiKey,
      // Nuclear goods only: France's dual-use feed does not carry it, and Germany may not read it.
      body: sampleAlert({
        handling: 'restricted',
        recipients: [partner.code],
        commodities: [
          { hsCode: '840120', description: 'Machinery for isotopic separation, parts', category: 'nuclear' },
        ],
      }),
    });
    expect(restricted.status).toBe(201);
    expected.push(
      `${france.code} record.submitted success - alert/${restricted.body.id} records=${restricted.body.id} events=`,
    );

    // Reads: one record, a list page.
    expect((await hub.api('GET', `/v1/alerts/${alert.id}`, { key: france.apiKey })).status).toBe(200);
    expected.push(record('record.read'));
    const listed = await hub.api<{ items: { id: string }[] }>(
      'GET',
      `/v1/alerts?since=${encodeURIComponent(since)}`,
      { key: germany.apiKey },
    );
    expect(listed.status).toBe(200);
    // Germany may read the members alert, not the restricted one.
    expect(listed.body.items.map((item) => item.id)).toEqual([alert.id]);
    expected.push(`${germany.code} record.listed success - alert/- records=${alert.id} events=`);

    // Refused attempts: another organization probing, a wrong key, a forbidden change.
    expect((await hub.api('GET', `/v1/alerts/${restricted.body.id}`, { key: germany.apiKey })).status).toBe(
      404,
    );
    expected.push(
      `${germany.code} record.read refused 404 alert/${restricted.body.id} records=${restricted.body.id} events=`,
    );
    expect(
      (
        await hub.api('PATCH', `/v1/alerts/${alert.id}`, {
          key: germany.apiKey,
          body: { title: 'Not mine' },
        })
      ).status,
    ).toBe(403);
    expected.push(record('record.revised', germany.code, 'refused', 403));
    expect((await hub.api('GET', `/v1/subscriptions/${pullId}`, { key: germany.apiKey })).status).toBe(404);
    expected.push(`${germany.code} subscription.read refused 404 subscription/${pullId} records= events=`);
    expect((await hub.api('GET', `/v1/subscriptions/${pullId}/events`, { key: germany.apiKey })).status).toBe(
      404,
    );
    expected.push(`${germany.code} feed.read refused 404 subscription/${pullId} records= events=`);
    expect((await hub.api('GET', '/v1/audit', { key: germany.apiKey })).status).toBe(403);
    expected.push(`${germany.code} audit.read refused 403 audit/- records= events=`);
    const probe = `probe-${randomUUID()}`;
    const wrongKey = `chub_${'x'.repeat(43)}`;
    // The hub answers with its own request id, never the caller's (L-3).
    const probed = await withRequestId(probe, `/v1/alerts/${alert.id}`, wrongKey);
    expect(probed).toEqual({ status: 401, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    // Withdrawal, after the reads.
    expect((await hub.api('POST', `/v1/alerts/${alert.id}/withdraw`, { key: france.apiKey })).status).toBe(
      200,
    );
    expected.push(record('record.withdrawn'));

    // France's pull feed receives the three versions; every page that carried events is audited.
    const events: FeedPage['events'] = [];
    let after: string | null = null;
    await expectEventually(async () => {
      const page: { status: number; body: FeedPage } = await hub.api<FeedPage>(
        'GET',
        `/v1/subscriptions/${pullId}/events?limit=2&wait=5${after ? `&after=${after}` : ''}`,
        { key: france.apiKey },
      );
      expect(page.status).toBe(200);
      events.push(...page.body.events);
      after = page.body.nextCursor;
      expect(events.map((event) => event.type)).toEqual([
        'alert.published',
        'alert.updated',
        'alert.withdrawn',
      ]);
    }, 60_000);
    const eventIds = events.map((event) => event.id);

    // Germany's webhook: the first attempt fails (500), the delivery waits for its next attempt in
    // ten minutes; Germany retries it by hand; all three versions are then delivered.
    const log = async (): Promise<DeliveryLog['deliveries']> =>
      (
        await hub.api<DeliveryLog>('GET', `/v1/subscriptions/${hookId}/deliveries`, {
          key: germany.apiKey,
        })
      ).body.deliveries;
    let failed: DeliveryLog['deliveries'][number] | undefined;
    await expectEventually(async () => {
      failed = (await log()).find((delivery) => delivery.eventId === eventIds[0]);
      expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    }, 60_000);
    const retried = await hub.api('POST', `/v1/subscriptions/${hookId}/deliveries/${failed!.id}/retry`, {
      key: germany.apiKey,
    });
    expect(retried.status).toBe(202);
    expected.push(`${germany.code} delivery.retried success - delivery/${failed!.id} records= events=`);
    let delivered: DeliveryLog['deliveries'] = [];
    await expectEventually(async () => {
      delivered = await log();
      expect(delivered.map((delivery) => delivery.status)).toEqual(['delivered', 'delivered', 'delivered']);
    }, 60_000);
    for (const delivery of delivered) {
      expected.push(
        `${germany.code} delivery.delivered success - delivery/${delivery.id} records=${alert.id} events=${delivery.eventId}`,
      );
    }
    expect((await hub.api('DELETE', `/v1/subscriptions/${hookId}`, { key: germany.apiKey })).status).toBe(
      204,
    );
    expected.push(sub(germany.code, 'subscription.deleted', hookId));

    // The feed reads: together they name exactly the events France received, each once.
    const byActor = async (code: string): Promise<AuditEntry[]> =>
      readAudit(`actor=${code}&since=${encodeURIComponent(since)}`);
    // Entries become readable once every older transaction has ended: wait for them, never sleep.
    let franceEntries: AuditEntry[] = [];
    let germanyEntries: AuditEntry[] = [];
    await expectEventually(async () => {
      franceEntries = await byActor(france.code);
      const feedReads = franceEntries.filter((entry) => entry.action === 'feed.read');
      expect(feedReads.flatMap((entry) => entry.eventIds).sort()).toEqual([...eventIds].sort());
      for (const entry of feedReads) {
        expect(entry.resource).toEqual({ type: 'subscription', id: pullId });
        expect(entry.recordIds).toEqual(entry.eventIds.map(() => alert.id));
      }
      germanyEntries = await byActor(germany.code);
      const actual = [...franceEntries.filter((entry) => entry.action !== 'feed.read'), ...germanyEntries]
        .map(shape)
        .sort();
      expect(actual).toEqual([...expected].sort());
    });

    // Every entry names its actor fully, and the request it came from (deliveries have none).
    for (const entry of [...franceEntries, ...germanyEntries]) {
      const organization = entry.actor.code === france.code ? france : germany;
      expect(entry.actor).toEqual({
        type: 'organization',
        id: organization.id,
        code: organization.code,
        kind: 'member',
      });
      if (entry.action === 'delivery.delivered') expect(entry.requestId).toBeNull();
      else expect(entry.requestId).toEqual(expect.any(String));
      expect(new Date(entry.occurredAt).getTime()).toBeGreaterThanOrEqual(new Date(since).getTime());
    }
    expect(franceEntries.find((entry) => entry.action === 'record.revised')?.detail).toMatchObject({
      version: 2,
    });

    // The wrong key's attempt: anonymous, under the hub's request id, the one it sent kept beside it.
    await expectEventually(async () => {
      const refused = await readAudit(
        `outcome=refused&action=record.read&since=${encodeURIComponent(since)}`,
      );
      const anonymous = refused.filter((entry) => entry.clientRequestId === probe);
      expect(anonymous.map(shape)).toEqual([
        `anonymous record.read refused 401 alert/${alert.id} records=${alert.id} events=`,
      ]);
      expect(anonymous[0].requestId).toBe(probed.requestId);
      expect(refused.filter((entry) => entry.requestId === probe)).toEqual([]);
    });

    // The router's publications to the regional streams: each version once on each regional stream
    // of the alert's regions (a `members` alert may be read by every RILO); the restricted one on none.
    expect(alert.regions.sort()).toEqual(['asia-pacific', 'europe', 'mena']);
    await expectEventually(async () => {
      const publications = await readAudit(`action=regional-stream.published&recordId=${alert.id}`);
      expect(publications.map(shape).sort()).toEqual(
        alert.regions
          .flatMap((region) =>
            eventIds.map(
              (eventId) =>
                `router regional-stream.published success - regional-stream/hub.region.${region}.v1 records=${alert.id} events=${eventId}`,
            ),
          )
          .sort(),
      );
    });
    expect(await readAudit(`action=regional-stream.published&recordId=${restricted.body.id}`)).toEqual([]);

    // recordId finds every access to a record, whoever made it.
    await expectEventually(async () => {
      const aboutAlert = await readAudit(`recordId=${alert.id}&since=${encodeURIComponent(since)}`);
      expect(new Set(aboutAlert.map((entry) => entry.action))).toEqual(
        new Set([
          'record.submitted',
          'record.replayed',
          'record.revised',
          'record.withdrawn',
          'record.read',
          'record.listed',
          'feed.read',
          'delivery.delivered',
          'regional-stream.published',
        ]),
      );
    });
    // The secretariat's own readings of the trail are on the record too.
    const readings = await readAudit(`actor=${secretariat.code}&action=audit.read`);
    expect(readings.length).toBeGreaterThan(0);
  });

  it('records the operator’s registrations, key issues and revocations', async () => {
    const since = new Date().toISOString();
    const member = await hub.organization(memberOf('NG'));
    const issued = await hub.api<{ id: string; prefix: string }>(
      'POST',
      `/v1/admin/organizations/${member.code}/api-keys`,
      { key: ADMIN_TOKEN },
    );
    expect(issued.status).toBe(201);
    expect(
      (
        await hub.api('DELETE', `/v1/admin/organizations/${member.code}/api-keys/${issued.body.id}`, {
          key: ADMIN_TOKEN,
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await hub.api('GET', `/v1/admin/organizations/${member.code}/api-keys`, {
          key: 'wrong-token',
        })
      ).status,
    ).toBe(401);
    let entries: AuditEntry[] = [];
    await expectEventually(async () => {
      entries = (await readAudit(`since=${encodeURIComponent(since)}`)).filter(
        (entry) => entry.actor.type === 'operator' || entry.actor.type === 'anonymous',
      );
      expect(entries.map(shape)).toEqual([
        `operator:bootstrap organization.registered success - organization/${member.code} records= events=`,
        `operator:bootstrap api-key.issued success - organization/${member.code} records= events=`,
        `operator:bootstrap api-key.issued success - organization/${member.code} records= events=`,
        `operator:bootstrap api-key.revoked success - api-key/${issued.body.id} records= events=`,
        `anonymous api-key.listed refused 401 organization/${member.code} records= events=`,
      ]);
    });
    expect(entries[0].detail).toMatchObject({ organizationId: member.id, kind: 'member' });
    // The key's terms are kept beside it (its scope, its expiry), never the key.
    expect(entries[2].detail).toEqual({
      keyId: issued.body.id,
      prefix: issued.body.prefix,
      scope: 'read-write',
      expiresAt: null,
    });
    // The key itself is never kept, not even in the trail.
    expect(JSON.stringify(entries)).not.toContain(member.apiKey);
  });

  it('names the operator behind each admin action; operator tokens are stored hashed, listed, revocable (H-3)', async () => {
    const since = new Date().toISOString();
    const name = `op-${randomUUID().slice(0, 8)}`;
    const issued = await hub.api<{ id: string; name: string; prefix: string; token: string }>(
      'POST',
      '/v1/admin/operators',
      { key: ADMIN_TOKEN, body: { name } },
    );
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ name, createdBy: 'operator:bootstrap', revokedAt: null });
    const { id, token } = issued.body;
    expect(token).toMatch(/^chop_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(issued.body.prefix)).toBe(true);
    // Kept as a digest only.
    const stored = await withDatabase((client) =>
      client.query('SELECT * FROM operators WHERE id = $1', [id]),
    );
    expect(stored.rows).toHaveLength(1);
    expect(JSON.stringify(stored.rows)).not.toContain(token.slice(5));
    // One live token per name; `bootstrap` is HUB_ADMIN_TOKEN's.
    expect((await hub.api('POST', '/v1/admin/operators', { key: ADMIN_TOKEN, body: { name } })).status).toBe(
      409,
    );
    const reserved = await hub.api<{ errors: { field: string }[] }>('POST', '/v1/admin/operators', {
      key: ADMIN_TOKEN,
      body: { name: 'bootstrap' },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.errors.map((error) => error.field)).toEqual(['name']);

    // The operator acts under its own name.
    const code = `op-made-${randomUUID().slice(0, 8)}`;
    const registered = await hub.api('POST', '/v1/admin/organizations', {
      key: token,
      body: { code, name: 'Registered by a named operator', kind: 'partner' },
    });
    expect(registered.status).toBe(201);
    const listed = await hub.api<{ id: string; name: string; revokedAt: string | null }[]>(
      'GET',
      '/v1/admin/operators',
      { key: token },
    );
    expect(listed.body).toContainEqual(expect.objectContaining({ id, name, revokedAt: null }));
    expect(JSON.stringify(listed.body)).not.toContain(token);

    // Revoked, it stops working at once.
    expect((await hub.api('DELETE', `/v1/admin/operators/${id}`, { key: ADMIN_TOKEN })).status).toBe(204);
    expect((await hub.api('GET', '/v1/admin/organizations', { key: token })).status).toBe(401);
    expect((await hub.api('DELETE', `/v1/admin/operators/${id}`, { key: ADMIN_TOKEN })).status).toBe(404);

    await expectEventually(async () => {
      const entries = (await readAudit(`since=${encodeURIComponent(since)}`)).filter(
        (entry) => entry.actor.type === 'operator' || entry.actor.type === 'anonymous',
      );
      expect(entries.map(shape)).toEqual([
        `operator:bootstrap operator.issued success - operator/${id} records= events=`,
        `operator:${name} organization.registered success - organization/${code} records= events=`,
        `operator:${name} api-key.issued success - organization/${code} records= events=`,
        `operator:bootstrap operator.revoked success - operator/${id} records= events=`,
        `anonymous organization.listed refused 401 organization/- records= events=`,
        `operator:bootstrap operator.revoked refused 404 operator/${id} records= events=`,
      ]);
      expect(entries[0].detail).toEqual({ name, prefix: issued.body.prefix });
      expect(entries[1].actor).toEqual({ type: 'operator', id, code: `operator:${name}`, kind: null });
    });
    // The secretariat finds what one operator did.
    const byOperator = await readAudit(`actor=operator:${name}`);
    expect(byOperator.map((entry) => entry.action)).toEqual(['organization.registered', 'api-key.issued']);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the trail, for any role, its owner included', async () => {
    await withOwnerDatabase(async (client) => {
      const before = Number((await client.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n);
      expect(before).toBeGreaterThan(0);
      for (const statement of [
        "UPDATE audit_events SET action = 'record.read'",
        'DELETE FROM audit_events',
        'DELETE FROM audit_events WHERE false',
        'TRUNCATE audit_events',
      ]) {
        await expect(client.query(statement)).rejects.toThrow(/append-only/);
      }
      // Not even with ordinary triggers switched off for replication.
      await client.query("SET session_replication_role = 'replica'");
      await expect(client.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
      await client.query("SET session_replication_role = 'origin'");
      const after = Number((await client.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n);
      expect(after).toBe(before);
    });
  });

  it('is for the secretariat only, with a validated query', async () => {
    expect((await hub.api('GET', '/v1/audit', { key: france.apiKey })).status).toBe(403);
    expect((await hub.api('GET', '/v1/audit', { key: partner.apiKey })).status).toBe(403);
    expect((await hub.api('GET', '/v1/audit', { key: ADMIN_TOKEN })).status).toBe(401);
    expect((await hub.api('GET', '/v1/audit')).status).toBe(401);
    const page = await hub.api<AuditPage>('GET', '/v1/audit?limit=1', { key: secretariat.apiKey });
    expect(page.status).toBe(200);
    expect(page.body.entries).toHaveLength(1);

    for (const [query, field] of [
      ['action=record.deleted', 'action'],
      ['recordId=not-a-uuid', 'recordId'],
      ['since=yesterday', 'since'],
      ['until=2026-13-01T00:00:00Z', 'until'],
      ['since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z', 'until'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['outcome=maybe', 'outcome'],
      ['actor=Not%20A%20Code', 'actor'],
      [`cursor=${Buffer.from("1:2' OR 1=1").toString('base64url')}`, 'cursor'],
      ['unknown=1', 'unknown'],
    ]) {
      const refused = await hub.api<{ errors: { field: string }[] }>('GET', `/v1/audit?${query}`, {
        key: secretariat.apiKey,
      });
      expect({ query, status: refused.status }).toEqual({ query, status: 400 });
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.errors.map((error) => error.field)).toContain(field);
    }
  });

  it('pages in transaction order when transaction ids gain a digit (9, 10, 11 sort as numbers, not as text)', async () => {
    const actor = `order-${randomUUID().slice(0, 8)}`;
    const ids = await withDatabase(async (client) => {
      const written: Record<string, string> = {};
      for (const txId of ['11', '9', '10']) {
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO audit_events (tx_id, actor_type, actor_code, action, outcome, resource_type)
           VALUES ($1::xid8, 'service', $2, 'record.read', 'success', 'alert') RETURNING id::text AS id`,
          [txId, actor],
        );
        written[txId] = rows[0].id;
      }
      return written;
    });
    const served: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: { body: AuditPage } = await hub.api<AuditPage>(
        'GET',
        `/v1/audit?actor=${actor}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { key: secretariat.apiKey },
      );
      served.push(...page.body.entries.map((entry) => entry.id));
      if (page.body.entries.length === 0) break;
      cursor = page.body.nextCursor;
    }
    expect(served).toEqual([ids['9'], ids['10'], ids['11']]);
  });

  it('pages without skipping an entry whose transaction commits late', async () => {
    // Start at the end of the trail as it is now.
    let cursor: string | null = null;
    for (;;) {
      const page: { body: AuditPage } = await hub.api<AuditPage>(
        'GET',
        `/v1/audit?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        { key: secretariat.apiKey },
      );
      cursor = page.body.nextCursor;
      if (page.body.entries.length < 500) break;
    }
    const late = new Client({ connectionString: process.env.DATABASE_URL });
    await late.connect();
    try {
      await late.query('BEGIN');
      const [{ id: lateId }] = (
        await late.query<{ id: string }>(
          `INSERT INTO audit_events (actor_type, actor_code, action, outcome, resource_type)
           VALUES ('service', 'late-writer', 'record.read', 'success', 'alert') RETURNING id::text AS id`,
        )
      ).rows;
      // Committed while the older transaction is still open: not served yet, or the late one would be skipped.
      expect((await hub.api('GET', `/v1/alerts?limit=1`, { key: france.apiKey })).status).toBe(200);
      const held = await hub.api<AuditPage>('GET', `/v1/audit?cursor=${cursor}`, {
        key: secretariat.apiKey,
      });
      expect(held.status).toBe(200);
      expect(held.body.entries.filter((entry) => BigInt(entry.id) > BigInt(lateId))).toEqual([]);
      await late.query('COMMIT');
      // Served after the commit, with what was held back behind it; nothing is served twice.
      await expectEventually(async () => {
        const served = await hub.api<AuditPage>('GET', `/v1/audit?cursor=${held.body.nextCursor}`, {
          key: secretariat.apiKey,
        });
        const ids = served.body.entries.map((entry) => entry.id);
        expect(ids).toContain(lateId);
        expect(served.body.entries.map((entry) => `${entry.actor.code} ${entry.action}`)).toContain(
          `${france.code} record.listed`,
        );
        expect(ids.filter((id) => held.body.entries.some((entry) => entry.id === id))).toEqual([]);
      });
    } finally {
      await late.end();
    }
  });
});
