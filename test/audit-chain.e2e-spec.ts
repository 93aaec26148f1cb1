import { SERVICE_ROLE } from '@hub/persistence';
import {
  expectEventually,
  type TestOrganization,
  withDatabase,
  withOwnerDatabase,
} from './support/hub-harness';
import { memberOf, startHub, theSecretariat, type TestHub } from './support/hub-context';

interface Verification {
  ok: boolean;
  verified: number;
  pending: number;
  headHash: string;
  broken: {
    position: string;
    entryId: string | null;
    reason: string;
    expected: string;
    found: string;
  } | null;
}

describe('audit trail: hash-chained, verifiable, and out of the services’ reach', () => {
  let hub: TestHub;
  let france: TestOrganization;
  let secretariat: TestOrganization;

  beforeAll(async () => {
    // The relay links the chain; a short interval keeps the test quick.
    hub = await startHub({ services: ['relay'], env: { relay: { AUDIT_CHAIN_INTERVAL_MS: '100' } } });
    ({ france, secretariat } = await hub.organizations({
      france: memberOf('FR'),
      secretariat: theSecretariat(),
    }));
  });

  afterAll(() => hub?.close());

  const verify = async (): Promise<Verification> => {
    const answer = await hub.api<Verification>('GET', '/v1/audit/verify', { key: secretariat.apiKey });
    expect(answer.status).toBe(200);
    return answer.body;
  };

  it('the services connect as a login that owns nothing and cannot disable the triggers, update, delete or truncate', async () => {
    await withDatabase(async (client) => {
      const [who] = (
        await client.query<{ user: string; superuser: boolean; member: boolean; owner: string }>(
          `SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
                  pg_has_role(current_user, $1, 'MEMBER') AS member,
                  (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events') AS owner`,
          [SERVICE_ROLE],
        )
      ).rows;
      expect(who).toMatchObject({ superuser: false, member: true });
      expect(who.owner).not.toBe(who.user);
      for (const statement of [
        'ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only',
        'ALTER TABLE audit_events DISABLE TRIGGER ALL',
        'ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_append_only',
        'DROP TABLE audit_events',
      ]) {
        await expect(client.query(statement)).rejects.toThrow(/must be owner/);
      }
      for (const statement of [
        'DELETE FROM audit_events',
        "UPDATE audit_events SET action = 'record.read'",
        'TRUNCATE audit_events',
        'DELETE FROM audit_chain',
        "UPDATE audit_chain SET entry_hash = repeat('0', 64)",
        'TRUNCATE audit_chain',
        'CREATE TABLE audit_shadow (id int)',
        'SET session_replication_role = replica',
      ]) {
        await expect(client.query(statement)).rejects.toThrow(/permission denied/);
      }
    });
  });

  it('chains every entry the services append; verify answers ok with the count, for the secretariat only', async () => {
    await hub.submit(france, 'alert');
    expect((await hub.api('GET', '/v1/alerts', { key: france.apiKey })).status).toBe(200);
    const total = await withDatabase(async (client) =>
      Number((await client.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n),
    );
    await expectEventually(async () => {
      const verification = await verify();
      expect(verification).toMatchObject({ ok: true, broken: null });
      expect(verification.verified).toBeGreaterThanOrEqual(total);
      expect(verification.headHash).toMatch(/^[0-9a-f]{64}$/);
    });
    expect((await hub.api('GET', '/v1/audit/verify', { key: france.apiKey })).status).toBe(403);
    expect((await hub.api('GET', '/v1/audit/verify')).status).toBe(401);
    const verifications = await withDatabase(
      async (client) =>
        (
          await client.query<{ actor_code: string; detail: { ok: boolean } }>(
            "SELECT actor_code, detail FROM audit_events WHERE action = 'audit.verified' ORDER BY id",
          )
        ).rows,
    );
    expect(verifications.map((row) => row.actor_code)).toEqual(
      expect.arrayContaining([secretariat.code, france.code]),
    );
  });

  it('reports exactly the link of a row the owner altered behind the disabled trigger', async () => {
    const [link] = await withDatabase(
      async (client) =>
        (
          await client.query<{ position: string; event_id: string; entry_hash: string; actor_code: string }>(
            `SELECT c.position::text, c.event_id::text, c.entry_hash, a.actor_code
               FROM audit_chain c JOIN audit_events a ON a.id = c.event_id
              WHERE a.action = 'record.submitted' ORDER BY c.position LIMIT 1`,
          )
        ).rows,
    );
    expect(link).toBeDefined();
    const alter = (code: string): Promise<unknown> =>
      withOwnerDatabase(async (owner) => {
        await owner.query('BEGIN');
        await owner.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
        await owner.query('UPDATE audit_events SET actor_code = $1 WHERE id = $2', [code, link.event_id]);
        await owner.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only');
        await owner.query('COMMIT');
      });
    await alter('de-zoll');
    try {
      const verification = await verify();
      expect(verification).toMatchObject({
        ok: false,
        verified: Number(link.position) - 1,
        broken: {
          position: link.position,
          entryId: link.event_id,
          reason: 'entry-changed',
          expected: link.entry_hash,
        },
      });
      expect(verification.broken!.found).toMatch(/^[0-9a-f]{64}$/);
      expect(verification.broken!.found).not.toBe(link.entry_hash);
    } finally {
      // Put the entry back as it was: the shared test database's chain holds again.
      await alter(link.actor_code);
    }
    expect(await verify()).toMatchObject({ ok: true });
  });
});
