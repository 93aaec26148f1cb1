/**
 * Suspending an organization (review finding H-1): an operator cuts it off at once on every
 * gateway, router and notifier, without revoking anything, and reinstating it gives back access
 * without replaying what was withheld meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { sampleAlert } from './support/fixtures';
import {
  ADMIN_TOKEN,
  api,
  expectEventually,
  type RunningService,
  startGateway,
  type TestOrganization,
  withDatabase,
} from './support/hub-harness';
import { memberOf, riloFor, startHub, type TestHub } from './support/hub-context';
import { type IssuedStreamCredential, kafkajsFailure, riloKafka } from './support/rilo-clients';
import { WebhookReceiver } from './support/webhook-receiver';

/** Longer than the test: a key remembered by a gateway is forgotten only through the NOTIFY. */
const KEY_CACHE_MS = '60000';
const SUSPENDED_TYPE = 'https://cosmo-hub.example/problems/organization-suspended';
const TAXII = 'application/taxii+json;version=2.1';

interface OrganizationBody {
  code: string;
  status: string;
  suspendedAt: string | null;
  suspensionReason: string | null;
}

describe('suspending and reinstating an organization', () => {
  let hub: TestHub;
  let second: RunningService;
  let witnessReceiver: WebhookReceiver;
  const opened: Consumer[] = [];

  beforeAll(async () => {
    hub = await startHub({
      services: ['relay', 'router', 'notifier'],
      gateway: { env: { API_KEY_CACHE_MS: KEY_CACHE_MS } },
      // A failed attempt is retried a minute later: the delivery stays pending meanwhile.
      env: { notifier: { WEBHOOK_RETRY_SCHEDULE_MS: '0,60000,60000' } },
      receiver: { secret: null },
    });
    // A second gateway instance on the same database, as in a scaled-out deployment.
    second = await startGateway(undefined, { API_KEY_CACHE_MS: KEY_CACHE_MS });
    witnessReceiver = await WebhookReceiver.start(null);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(opened.map((consumer) => consumer.disconnect().catch(() => undefined)));
    await witnessReceiver?.close();
    await second?.close();
    await hub?.close();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    hub.api<OrganizationBody & { errors?: { field: string }[] }>(method, path, { key: ADMIN_TOKEN, body });
  const suspend = (code: string, reason = 'Keys leaked: under investigation') =>
    admin('POST', `/v1/admin/organizations/${code}/suspend`, { reason });
  const reinstate = (code: string) => admin('POST', `/v1/admin/organizations/${code}/reinstate`);

  /** A members alert every member reads; the title tells the deliveries apart. */
  const submitAlert = async (owner: TestOrganization): Promise<string> =>
    (await hub.submit(owner, 'alert', sampleAlert({ title: `Suspension check ${randomUUID()}` }))).id;

  const subjectsOf = (receiver: WebhookReceiver, since = 0): string[] =>
    receiver.requests
      .filter((request) => request.receivedAt >= since)
      .map((request) => (JSON.parse(request.body) as { subject: string }).subject);

  /** A TAXII read: its refusals are TAXII error messages (a title, no problem type). */
  async function taxii(url: string, key: string, pullId: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${url}/taxii2/api/collections/${pullId}/objects/`, {
      headers: { authorization: `Bearer ${key}`, accept: TAXII },
    });
    return { status: response.status, body: await response.json() };
  }

  /** What each gateway answers to each key on a REST feed read, the subscription list and TAXII. */
  async function answers(keys: string[], pullId: string): Promise<{ status: number; refusal?: unknown }[]> {
    const calls = [hub.url, second.url].flatMap((url) =>
      keys.flatMap((key) => [
        api(url, 'GET', `/v1/subscriptions/${pullId}/events`, { key }),
        api(url, 'GET', '/v1/subscriptions', { key }),
        taxii(url, key, pullId),
      ]),
    );
    return (await Promise.all(calls)).map(({ status, body }) => {
      if (status !== 403) return { status };
      const refusal = body as { type?: unknown; title?: unknown };
      return { status, refusal: refusal.type ?? refusal.title };
    });
  }

  it('validates the reason (400 naming it, nothing written), answers 404 for an unknown code, and admits the admin token only', async () => {
    const member = await hub.organization(memberOf('BE'));
    for (const body of [
      {},
      { reason: '' },
      { reason: 7 },
      { reason: 'x'.repeat(501) },
      { reason: 'A fine reason', extra: 1 },
    ]) {
      const refused = await admin('POST', `/v1/admin/organizations/${member.code}/suspend`, body);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body.errors?.map((error) => error.field)).toEqual([
        Object.keys(body).includes('extra') ? 'extra' : 'reason',
      ]);
    }
    expect((await hub.api('GET', '/v1/subscriptions', { key: member.apiKey })).status).toBe(200);
    const listed = (await admin('GET', '/v1/admin/organizations')).body as unknown as OrganizationBody[];
    expect(listed.find((organization) => organization.code === member.code)).toMatchObject({
      status: 'active',
      suspendedAt: null,
      suspensionReason: null,
    });
    expect((await suspend('no-such-organization')).status).toBe(404);
    expect((await reinstate('no-such-organization')).status).toBe(404);
    const byItself = await hub.api('POST', `/v1/admin/organizations/${member.code}/suspend`, {
      key: member.apiKey,
      body: { reason: 'self' },
    });
    expect(byItself.status).toBe(401);
  });

  it('cuts an organization off on every gateway at once, sends and matches it nothing, cancels its pending delivery, and reinstating restores it without replay', async () => {
    const { originator, target, witness } = await hub.organizations({
      originator: memberOf('FR'),
      target: memberOf('DE'),
      witness: memberOf('NL'),
    });
    const otherKey = await hub.api<{ secret: string }>(
      'POST',
      `/v1/admin/organizations/${target.code}/api-keys`,
      {
        key: ADMIN_TOKEN,
      },
    );
    const keys = [target.apiKey, otherKey.body.secret];
    const webhook = await hub.subscribe(target, { delivery: { type: 'webhook', url: hub.receiver.url } });
    const pull = await hub.subscribe(target);
    await hub.subscribe(witness, { delivery: { type: 'webhook', url: witnessReceiver.url } });
    // Both gateways remember the target's keys (for a minute, KEY_CACHE_MS) before the suspension.
    expect(new Set((await answers(keys, pull.id)).map((answer) => answer.status))).toEqual(new Set([200]));

    // A first alert: the target's webhook fails, so its delivery is pending (retried in a minute).
    hub.receiver.failFor(600_000, 503);
    const first = await submitAlert(originator);
    await expectEventually(() => {
      expect(subjectsOf(witnessReceiver)).toContain(first);
      expect(subjectsOf(hub.receiver)).toContain(first);
    });

    const suspended = await suspend(target.code);
    const committedAt = Date.now();
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({
      code: target.code,
      status: 'suspended',
      suspensionReason: 'Keys leaked: under investigation',
      suspendedAt: expect.any(String) as string,
    });
    // How late the other gateway (which remembered the key) refuses it: its NOTIFY, not the cache expiry.
    for (;;) {
      const answer = await api(second.url, 'GET', '/v1/subscriptions', { key: keys[0] });
      if (answer.status === 403 || Date.now() - committedAt > 5000) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    process.stdout.write(
      `[suspension] the other gateway refused the key ${Date.now() - committedAt} ms after the answer\n`,
    );
    // Within 5 s on both gateways, every key, REST and TAXII: 403 organization-suspended, nothing more.
    await expectEventually(async () => {
      const rest = { status: 403, refusal: SUSPENDED_TYPE };
      const taxiiRefusal = { status: 403, refusal: 'Organization suspended' };
      expect(await answers(keys, pull.id)).toEqual(
        Array.from({ length: 4 }, () => [rest, rest, taxiiRefusal]).flat(),
      );
    }, 5000);
    const refused = await api(second.url, 'GET', `/v1/subscriptions/${pull.id}/events`, { key: keys[1] });
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Object.keys(refused.body as object).sort()).toEqual([
      'detail',
      'instance',
      'requestId',
      'status',
      'title',
      'type',
    ]);
    expect(JSON.stringify(refused.body)).not.toMatch(/leaked|investigation/);
    // Not revoked: the keys are listed active.
    const listed = await hub.api<{ revokedAt: string | null }[]>(
      'GET',
      `/v1/admin/organizations/${target.code}/api-keys`,
      { key: ADMIN_TOKEN },
    );
    expect(listed.body.map((key) => key.revokedAt)).toEqual([null, null]);
    // The listing shows it; suspending again changes nothing.
    const again = await suspend(target.code, 'a second reason');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(suspended.body);
    const organizations = await admin('GET', '/v1/admin/organizations');
    expect((organizations.body as unknown as OrganizationBody[]).find((o) => o.code === target.code)).toEqual(
      expect.objectContaining({ status: 'suspended', suspensionReason: 'Keys leaked: under investigation' }),
    );

    // A second alert, while suspended: the witness receives it (the router routed it), the target nothing.
    const second_ = await submitAlert(originator);
    await expectEventually(() => expect(subjectsOf(witnessReceiver)).toContain(second_));
    const targetRows = await withDatabase(async (db) => {
      const rows = await db.query<{ record_id: string; status: string | null; cancel_reason: string | null }>(
        `SELECT f.record_id, w.status, w.cancel_reason
           FROM feed_entries f LEFT JOIN webhook_deliveries w ON w.feed_entry_id = f.id
          WHERE f.subscription_id = ANY($1::uuid[]) ORDER BY w.status NULLS LAST`,
        [[webhook.id, pull.id]],
      );
      return rows.rows;
    });
    expect(targetRows).toEqual([
      { record_id: first, status: 'cancelled', cancel_reason: 'organization-suspended' },
      { record_id: first, status: null, cancel_reason: null },
    ]);
    // The notifier polls every 100 ms: a second after the witness got it, the target has had nothing.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(subjectsOf(hub.receiver, committedAt)).toEqual([]);

    const audit = await withDatabase(
      async (db) =>
        (
          await db.query<{ action: string; actor_type: string; detail: Record<string, unknown> }>(
            `SELECT action, actor_type, detail FROM audit_events
              WHERE resource_type = 'organization' AND resource_id = $1 AND outcome = 'success'
                AND action IN ('organization.suspended', 'organization.reinstated') ORDER BY id`,
            [target.code],
          )
        ).rows,
    );
    expect(audit).toEqual([
      {
        action: 'organization.suspended',
        actor_type: 'operator',
        detail: { reason: 'Keys leaked: under investigation', cancelledDeliveries: 1 },
      },
    ]);

    // Reinstated: every key works again on both gateways at once, and the delivery log keeps the cancellation.
    hub.receiver.recover();
    const reinstated = await reinstate(target.code);
    expect(reinstated.status).toBe(200);
    expect(reinstated.body).toMatchObject({ status: 'active', suspendedAt: null, suspensionReason: null });
    await expectEventually(async () => {
      expect(new Set((await answers(keys, pull.id)).map((answer) => answer.status))).toEqual(new Set([200]));
    }, 5000);
    const log = await hub.api<{
      deliveries: { eventId: string; status: string; cancelReason: string | null }[];
    }>('GET', `/v1/subscriptions/${webhook.id}/deliveries`, { key: target.apiKey });
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({ status: 'cancelled', cancelReason: 'organization-suspended' }),
    ]);

    // A new alert reaches it; neither the cancelled one nor the one published while suspended follows.
    const reinstatedAt = Date.now();
    const third = await submitAlert(originator);
    await expectEventually(() => expect(subjectsOf(hub.receiver, reinstatedAt)).toContain(third));
    await expectEventually(() => expect(subjectsOf(witnessReceiver)).toContain(third));
    expect(subjectsOf(hub.receiver, committedAt)).toEqual([third]);
    const feed = await hub.api<{ events: { subject: string }[] }>(
      'GET',
      `/v1/subscriptions/${pull.id}/events`,
      {
        key: target.apiKey,
      },
    );
    expect(feed.body.events.map((event) => event.subject)).toEqual([first, third]);
    const reinstatedAudit = await withDatabase(
      async (db) =>
        (
          await db.query<{ detail: Record<string, unknown> }>(
            `SELECT detail FROM audit_events WHERE action = 'organization.reinstated' AND resource_id = $1`,
            [target.code],
          )
        ).rows,
    );
    expect(reinstatedAudit).toEqual([
      { detail: { reason: 'Keys leaked: under investigation', suspendedAt: expect.any(String) as string } },
    ]);
  }, 120_000);

  /** Whether a fresh kafkajs consumer of the credential may read its regional topic: 'allowed' or the refusal. */
  async function streamRead(credential: IssuedStreamCredential, code: string): Promise<string> {
    const brokerErrors: string[] = [];
    const consumer = riloKafka(credential, credential.password, (entry) => {
      const type = (entry.log as { error?: { type?: unknown } }).error?.type;
      if (typeof type === 'string') brokerErrors.push(type);
    }).consumer({ groupId: `${code}.suspension-${randomUUID().slice(0, 6)}`, retry: { retries: 0 } });
    opened.push(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: credential.topics[0], fromBeginning: true });
      const failure = new Promise<string>((resolve) =>
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          const failed = kafkajsFailure(payload.error);
          resolve(
            failed.includes('KafkaJSGroupCoordinatorNotFound') ? (brokerErrors.at(-1) ?? failed) : failed,
          );
        }),
      );
      const fetching = new Promise<string>((resolve) =>
        consumer.on(consumer.events.FETCH_START, () => resolve('allowed')),
      );
      await consumer.run({ eachMessage: () => Promise.resolve() });
      return await Promise.race([failure, fetching]);
    } catch (error) {
      return kafkajsFailure(error);
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  it("takes a RILO's stream access away while suspended and gives the same credential it back when reinstated", async () => {
    const rilo = await hub.organization(riloFor('europe'));
    const issued = await hub.api<IssuedStreamCredential>(
      'POST',
      `/v1/admin/organizations/${rilo.code}/stream-credentials`,
      { key: ADMIN_TOKEN },
    );
    expect(issued.status).toBe(201);
    const credential = issued.body;
    expect(await streamRead(credential, rilo.code)).toBe('allowed');

    expect((await suspend(rilo.code)).status).toBe(200);
    const refusal = await streamRead(credential, rilo.code);
    expect(refusal).toMatch(/AUTHORIZATION_FAILED/);
    // Kept, not revoked; and no new one while suspended.
    const listed = await hub.api<{ revokedAt: string | null }[]>(
      'GET',
      `/v1/admin/organizations/${rilo.code}/stream-credentials`,
      { key: ADMIN_TOKEN },
    );
    expect(listed.body.map((row) => row.revokedAt)).toEqual([null]);
    expect(
      (await hub.api('POST', `/v1/admin/organizations/${rilo.code}/stream-credentials`, { key: ADMIN_TOKEN }))
        .status,
    ).toBe(409);

    expect((await reinstate(rilo.code)).status).toBe(200);
    expect(await streamRead(credential, rilo.code)).toBe('allowed');
  }, 180_000);
});
