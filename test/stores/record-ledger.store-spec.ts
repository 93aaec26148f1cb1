import { createHash, randomUUID } from 'node:crypto';
import { type Alert, buildCloudEvent, EVENT_TYPES, type HubEventType, type Severity } from '@hub/contracts';
import {
  type AuditEntry,
  DEFAULT_OUTBOX_SHARDS,
  outboxShardOf,
  type EventFactory,
  NotificationListener,
  OUTBOX_CHANNEL,
  shardsWritten,
  type IntelligenceRecordEntity,
  OutboxReader,
  OutboxWakeup,
  RecordLedger,
  RecordListing,
  type RecordWrite,
} from '@hub/persistence';
import { readScope, type ReaderProfile } from '@hub/matching';
import { standardAlert, standardPublishedAlert } from '../support/fixtures';
import {
  eventually,
  openStoreDatabase,
  seedOrganization,
  type SeededOrganization,
  type StoreDatabase,
} from './store-database';

describe('RecordLedger against PostgreSQL', () => {
  let db: StoreDatabase;
  let ledger: RecordLedger;
  let outbox: OutboxReader;
  let france: SeededOrganization;

  beforeAll(async () => {
    db = await openStoreDatabase('ledger');
    // No wake-ups: the relay is not running, and the outbox is read here directly.
    ledger = new RecordLedger(db.dataSource, new OutboxWakeup(db.url, false), DEFAULT_OUTBOX_SHARDS);
    outbox = new OutboxReader(db.dataSource);
    france = await seedOrganization(db.dataSource, { country: 'FR' });
  });
  afterAll(() => db.close());

  /** A submission of the standard's example alert; the same `body` makes the same submission. */
  function alertWrite(body: Alert = standardAlert()): RecordWrite {
    return {
      id: randomUUID(),
      type: 'alert',
      originatorId: france.id,
      originatorCode: france.code,
      reference: String(body.reference),
      body,
      routing: {
        regions: ['europe'],
        countries: ['FR'],
        hsCodes: ['848180'],
        categories: ['dual-use'],
        handling: 'community',
        recipients: [],
        excludeOrganizations: [],
        excludeCountries: [],
        severity: 'high',
      },
      submissionHash: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
      at: new Date(),
    };
  }

  const eventFor =
    (type: HubEventType): EventFactory =>
    (record) => {
      const id = randomUUID();
      return {
        id,
        type,
        topic: 'hub.alerts.v1',
        key: record.id,
        event: buildCloudEvent({
          id,
          type,
          source: 'https://hub.example/organizations/fr-douane',
          time: record.updatedAt.toISOString(),
          record: standardPublishedAlert({
            id: record.id,
            version: record.version,
            reference: record.reference,
          }),
        }),
      };
    };

  const audited = (record: IntelligenceRecordEntity, outcome: 'created' | 'replayed'): AuditEntry => ({
    action: outcome === 'created' ? 'record.submitted' : 'record.replayed',
    actor: { type: 'organization', id: france.id, code: france.code, kind: 'member' },
    resourceType: 'alert',
    resourceId: record.id,
    recordIds: [record.id],
  });

  const submit = (write: RecordWrite) => ledger.submit(write, eventFor(EVENT_TYPES.alertPublished), audited);

  /** The outbox's events of a record, in the order the relay publishes them. */
  async function eventsOf(recordId: string, expected: number): Promise<{ type: string; version: number }[]> {
    const batch = await eventually(
      () => outbox.nextBatch(outboxShardOf(recordId, DEFAULT_OUTBOX_SHARDS), 10_000),
      (read) => read.rows.filter((row) => row.key === recordId).length >= expected,
    );
    return batch.rows
      .filter((row) => row.key === recordId)
      .map((row) => ({
        type: row.eventType,
        version: (JSON.parse(row.data) as { version: number }).version,
      }));
  }

  const countWhere = async (table: string, column: string, value: string): Promise<number> =>
    Number(
      (
        await db.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
          [value],
        )
      )[0].n,
    );

  it("stores the originator's exclusions at submission and revision, and lists a record to no one they name (the SQL twin of mayRead)", async () => {
    const listing = new RecordListing(db.dataSource);
    const write = alertWrite();
    write.routing = { ...write.routing, excludeOrganizations: ['iaea'], excludeCountries: ['KR'] };
    expect((await submit(write)).outcome).toBe('created');
    const listed = async (reader: ReaderProfile): Promise<boolean> => {
      const scope = readScope(reader);
      const rows = await listing.page(
        'alert',
        {
          originatorCode: scope.originatorCode,
          recipientCode: scope.recipientCode,
          handlingAnywhere: scope.handlingAnywhere,
          regionHandlingRegions: scope.handlingInRegions?.regions ?? [],
          excludedCode: scope.excludedCode,
          excludedCountry: scope.excludedCountry,
          operations: scope.operations,
          allOperations: scope.allOperations,
        },
        { since: write.at, limit: 1000 },
      );
      return rows.some((row) => row.id === write.id);
    };
    const korea: ReaderProfile = { code: 'kr-customs', kind: 'member', country: 'KR' };
    const iaea: ReaderProfile = { code: 'iaea', kind: 'partner' };
    const japan: ReaderProfile = { code: 'jp-customs', kind: 'member', country: 'JP' };
    const secretariat: ReaderProfile = { code: 'wco-secretariat', kind: 'secretariat' };
    expect([await listed(korea), await listed(iaea), await listed(japan), await listed(secretariat)]).toEqual(
      [false, false, true, true],
    );

    const revised = await ledger.revise('alert', write.id, () => ({
      next: { excludeOrganizations: [], excludeCountries: ['JP'], updatedAt: new Date() },
      eventFor: eventFor(EVENT_TYPES.alertUpdated),
      auditFor: (record) => ({ ...audited(record, 'created'), action: 'record.revised' }),
    }));
    expect(revised && 'record' in revised && revised.record.version).toBe(2);
    const stored = await ledger.find('alert', write.id);
    expect([stored?.excludeOrganizations, stored?.excludeCountries]).toEqual([[], ['JP']]);
    expect([await listed(korea), await listed(iaea), await listed(japan)]).toEqual([true, true, false]);
  });

  it("lists every record filed under an operation, whatever its handling, and nothing else (the report's input)", async () => {
    const listing = new RecordListing(db.dataSource);
    const operation = `OP-${randomUUID().slice(0, 8)}`;
    let filedAt = Date.now();
    const filed = (code: string | undefined, handling: 'operation' | 'restricted'): RecordWrite => {
      const write = alertWrite({
        ...standardAlert(),
        reference: `STORE-${randomUUID()}`,
        ...(code === undefined ? {} : { operation: code }),
        handling,
        recipients: handling === 'restricted' ? ['iaea'] : [],
      });
      write.routing = { ...write.routing, handling, recipients: handling === 'restricted' ? ['iaea'] : [] };
      // Filed a millisecond apart: writes built in the same millisecond tie on created_at, and the
      // listing then orders them by their random ids.
      write.at = new Date(filedAt++);
      return write;
    };
    const mine = [filed(operation, 'operation'), filed(operation, 'restricted')];
    const others = [filed(`${operation}-2`, 'operation'), filed(undefined, 'restricted')];
    for (const write of [mine[0], others[0], mine[1], others[1]])
      expect((await submit(write)).outcome).toBe('created');

    const rows = await listing.ofOperation(operation);

    expect(rows.map((row) => row.id)).toEqual(mine.map((write) => write.id));
    expect(rows.map((row) => row.handling)).toEqual(['operation', 'restricted']);
    expect(await listing.ofOperation('NO-SUCH-OP')).toEqual([]);
  });

  it('writes version 1 with its history, outbox and audit rows; replays a resend; refuses another body under the reference', async () => {
    const body = { ...standardAlert() };
    const first = alertWrite(body);
    const created = await submit(first);
    expect(created).toMatchObject({
      outcome: 'created',
      record: { id: first.id, version: 1, status: 'active' },
    });
    expect(await countWhere('intelligence_record_versions', 'record_id', first.id)).toBe(1);
    expect(await eventsOf(first.id, 1)).toEqual([{ type: EVENT_TYPES.alertPublished, version: 1 }]);

    // The same submission again, under a new id: the stored record answers, nothing new is published.
    const resent = await submit(alertWrite(body));
    expect(resent).toMatchObject({ outcome: 'replayed', record: { id: first.id, version: 1 } });
    const conflicting = await submit(
      alertWrite({ ...body, title: 'Another record under the same reference' }),
    );
    expect(conflicting).toMatchObject({ outcome: 'conflict', record: { id: first.id } });

    expect(await countWhere('intelligence_records', 'reference', String(body.reference))).toBe(1);
    expect(await countWhere('outbox_events', 'message_key', first.id)).toBe(1);
    const actions = await db.dataSource.query<{ action: string }[]>(
      'SELECT action FROM audit_events WHERE resource_id = $1 ORDER BY id',
      [first.id],
    );
    // The conflict writes nothing, not even an audit entry.
    expect(actions.map((row) => row.action)).toEqual(['record.submitted', 'record.replayed']);
  });

  it('answers each of many submissions sent at once, the first of a reference winning within a group commit', async () => {
    const distinct = Array.from({ length: 30 }, () => alertWrite());
    const shared = { ...standardAlert() };
    const twins = [alertWrite(shared), alertWrite(shared), alertWrite(shared)];
    const rival = alertWrite({ ...shared, summary: 'A different body' });
    const outcomes = await Promise.all([...distinct, ...twins, rival].map(submit));

    expect(outcomes.slice(0, 30).map((outcome) => outcome.outcome)).toEqual(distinct.map(() => 'created'));
    const sharedOutcomes = outcomes.slice(30).map((outcome) => outcome.outcome);
    // One of the same reference is created; identical resends replay it; the other body conflicts.
    expect(sharedOutcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    const winner = outcomes.slice(30).find((outcome) => outcome.outcome === 'created')!.record;
    const rivalWon = winner.id === rival.id;
    expect(sharedOutcomes.filter((outcome) => outcome === 'replayed')).toHaveLength(rivalWon ? 0 : 2);
    expect(sharedOutcomes.filter((outcome) => outcome === 'conflict')).toHaveLength(rivalWon ? 3 : 1);
    for (const outcome of outcomes.slice(30)) expect(outcome.record.id).toBe(winner.id);

    for (const write of distinct) expect(await countWhere('outbox_events', 'message_key', write.id)).toBe(1);
    expect(await countWhere('intelligence_records', 'reference', String(shared.reference))).toBe(1);
    expect(await countWhere('outbox_events', 'message_key', winner.id)).toBe(1);
  });

  it('serialises revisions of one record: contiguous versions, published in the order written; an abort writes nothing', async () => {
    const { record } = await submit(alertWrite());
    const revise = (severity: Severity) =>
      ledger.revise('alert', record.id, () => ({
        next: { severity, updatedAt: new Date() },
        eventFor: eventFor(EVENT_TYPES.alertUpdated),
        auditFor: (revised) => ({ ...audited(revised, 'created'), action: 'record.revised' }),
      }));
    const severities: Severity[] = ['low', 'medium', 'high', 'critical', 'low', 'medium'];
    const revised = await Promise.all(severities.map(revise));
    expect(
      revised.map((result) => (result && 'record' in result ? result.record.version : null)).sort(),
    ).toEqual([2, 3, 4, 5, 6, 7]);

    const aborted = await ledger.revise('alert', record.id, () => ({ abort: 'withdrawn already' }));
    expect(aborted).toEqual({ abort: 'withdrawn already' });
    expect(await ledger.revise('alert', randomUUID(), () => ({ abort: 'never asked' }))).toBeNull();
    // Another type's record under this id is not this record.
    expect(await ledger.find('seizure', record.id)).toBeNull();

    expect((await ledger.find('alert', record.id))?.version).toBe(7);
    expect((await ledger.history(record.id)).map((version) => version.version)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
    expect((await eventsOf(record.id, 7)).map((event) => event.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("wakes the relay after commit with the outbox shards written: a submission's and a revision's", async () => {
    const named = new Set<number>();
    let unnamed = 0;
    const listener = new NotificationListener(
      db.url,
      OUTBOX_CHANNEL,
      (payload) => {
        const shards = shardsWritten(payload);
        if (shards === null) unnamed += 1;
        else for (const shard of shards) named.add(shard);
      },
      () => undefined,
    );
    const wakeup = new OutboxWakeup(db.url, true);
    const waking = new RecordLedger(db.dataSource, wakeup, DEFAULT_OUTBOX_SHARDS);
    await listener.start();
    try {
      const writes = Array.from({ length: 12 }, () => alertWrite());
      await Promise.all(
        writes.map((write) => waking.submit(write, eventFor(EVENT_TYPES.alertPublished), audited)),
      );
      const written = new Set(writes.map((write) => outboxShardOf(write.id, DEFAULT_OUTBOX_SHARDS)));
      expect(
        await eventually(
          () => Promise.resolve([...written].every((shard) => named.has(shard))),
          (all) => all,
        ),
      ).toBe(true);
      // The listener's own start wakes once without a payload; writes always name their shards.
      expect(unnamed).toBe(1);
      expect([...named].every((shard) => written.has(shard))).toBe(true);

      // Coalesced NOTIFYs of the submissions still on their way land before the revision's.
      await new Promise((resolve) => setTimeout(resolve, 200));
      named.clear();
      const revised = writes[0].id;
      await waking.revise('alert', revised, () => ({
        next: { severity: 'low', updatedAt: new Date() },
        eventFor: eventFor(EVENT_TYPES.alertUpdated),
        auditFor: (record) => ({ ...audited(record, 'created'), action: 'record.revised' }),
      }));
      expect(
        await eventually(
          () => Promise.resolve([...named]),
          (shards) => shards.length > 0,
        ),
      ).toEqual([outboxShardOf(revised, DEFAULT_OUTBOX_SHARDS)]);
    } finally {
      await listener.stop();
      await wakeup.onApplicationShutdown();
    }
  });
});
