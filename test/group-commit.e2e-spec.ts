import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildCloudEvent, exampleAlert } from '@hub/contracts';
import {
  type AuditEntry,
  DEFAULT_OUTBOX_SHARDS,
  dataSourceOptions,
  type IntelligenceRecordEntity,
  OutboxWakeup,
  type PendingEvent,
  publishedRecord,
  RecordLedger,
  type RecordWrite,
  type SubmitOutcome,
} from '@hub/persistence';
import { withDatabase } from './support/hub-harness';

/**
 * Submissions that arrive together are written together (one statement, one commit), yet each
 * gets its own answer, and one that fails never fails or loses the others.
 */
describe('group commit of record submissions', () => {
  let dataSource: DataSource;
  let ledger: RecordLedger;
  let organizationId: string;
  const code = `gc-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    dataSource = new DataSource(
      dataSourceOptions({
        url: process.env.DATABASE_URL!,
        poolSize: 4,
        applicationName: 'cosmo-hub-group-commit',
      }),
    );
    await dataSource.initialize();
    ledger = new RecordLedger(
      dataSource,
      new OutboxWakeup(process.env.DATABASE_URL!, false),
      DEFAULT_OUTBOX_SHARDS,
    );
    const [row] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO organizations (code, name, kind, country) VALUES ($1, $1, 'member', 'FR') RETURNING id`,
      [code],
    );
    organizationId = row.id;
  });

  afterAll(async () => {
    // Its events were written past the gateway: no relay of a later test file may publish them
    // where another test counts what it reads.
    await dataSource?.query(
      `UPDATE outbox_events SET published_at = now()
        WHERE published_at IS NULL
          AND message_key IN (SELECT id::text FROM intelligence_records WHERE originator_code = $1)`,
      [code],
    );
    await dataSource?.destroy();
  });

  function write(reference: string, hash: string, originatorId = organizationId): RecordWrite {
    return {
      id: randomUUID(),
      type: 'alert',
      originatorId,
      originatorCode: code,
      reference,
      body: { ...exampleAlert(), reference, title: `Alert ${reference}` },
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
      submissionHash: hash.padEnd(64, '0'),
      at: new Date(),
    };
  }

  function eventFor(record: IntelligenceRecordEntity): PendingEvent {
    const event = buildCloudEvent({
      record: publishedRecord(record),
      type: 'alert.published',
      source: `https://hub.test/organizations/${code}`,
      id: randomUUID(),
      time: record.updatedAt.toISOString(),
    });
    return { id: event.id, type: event.type, topic: 'hub.alerts.v1', key: record.id, event };
  }

  function auditFor(record: IntelligenceRecordEntity, outcome: 'created' | 'replayed'): AuditEntry {
    return {
      action: outcome === 'created' ? 'record.submitted' : 'record.replayed',
      actor: { type: 'organization', id: organizationId, code },
      resourceType: 'alert',
      resourceId: record.id,
      recordIds: [record.id],
      detail: { version: record.version },
    };
  }

  it('answers each submission of a batch on its own and keeps the others when one fails', async () => {
    const fresh = Array.from({ length: 30 }, (_, index) => write(`${code}-${index}`, `a${index}`));
    const contested = `${code}-contested`;
    const same = [write(contested, 'c1'), write(contested, 'c1')];
    const rival = write(contested, 'c2');
    // Its organization does not exist: the statement it is in fails, and it alone must fail.
    const broken = write(`${code}-broken`, 'b1', randomUUID());
    const writes = [
      ...fresh.slice(0, 10),
      same[0],
      broken,
      ...fresh.slice(10, 20),
      rival,
      same[1],
      ...fresh.slice(20),
    ];
    // All in one tick: all but the first ones wait for a statement on its way and go together.
    const answers = await Promise.allSettled(writes.map((item) => ledger.submit(item, eventFor, auditFor)));
    const outcomeOf = (item: RecordWrite): PromiseSettledResult<SubmitOutcome> =>
      answers[writes.indexOf(item)];

    expect(outcomeOf(broken).status).toBe('rejected');
    for (const item of fresh) {
      const answer = outcomeOf(item);
      expect(answer).toMatchObject({ status: 'fulfilled', value: { outcome: 'created' } });
      if (answer.status === 'fulfilled') expect(answer.value.record.id).toBe(item.id);
    }
    const contestedAnswers = [...same, rival].map((item) => {
      const answer = outcomeOf(item);
      if (answer.status !== 'fulfilled') throw new Error('a contested submission failed');
      return { submitted: item, ...answer.value };
    });
    const winners = contestedAnswers.filter((answer) => answer.outcome === 'created');
    expect(winners).toHaveLength(1);
    const [winner] = winners;
    expect(winner.record.id).toBe(winner.submitted.id);
    for (const answer of contestedAnswers) {
      if (answer === winner) continue;
      expect(answer.record.id).toBe(winner.record.id);
      // The same body as the stored one is a resend, another body a conflict.
      const sameBody = answer.submitted.submissionHash === winner.submitted.submissionHash;
      expect(answer.outcome).toBe(sameBody ? 'replayed' : 'conflict');
    }

    const stored = await withDatabase((client) =>
      client.query<{ id: string; history: number; outbox: number; audited: number; tx_id: string }>(
        `SELECT r.id,
                (SELECT count(*)::int FROM intelligence_record_versions v WHERE v.record_id = r.id) AS history,
                (SELECT count(*)::int FROM outbox_events o WHERE o.message_key = r.id::text) AS outbox,
                (SELECT count(*)::int FROM audit_events a
                  WHERE a.resource_id = r.id::text AND a.action = 'record.submitted') AS audited,
                (SELECT o.tx_id::text FROM outbox_events o WHERE o.message_key = r.id::text) AS tx_id
           FROM intelligence_records r WHERE r.originator_code = $1 AND r.reference NOT LIKE '%-together-%'`,
        [code],
      ),
    );
    expect(stored.rows.map((row) => row.id).sort()).toEqual(
      [...fresh.map((item) => item.id), winner.record.id].sort(),
    );
    for (const row of stored.rows) expect(row).toMatchObject({ history: 1, outbox: 1, audited: 1 });
  });

  it('writes submissions that arrive together in far fewer transactions than records', async () => {
    const writes = Array.from({ length: 40 }, (_, index) => write(`${code}-together-${index}`, `t${index}`));
    const answers = await Promise.all(writes.map((item) => ledger.submit(item, eventFor, auditFor)));
    expect(answers.map((answer) => answer.outcome)).toEqual(writes.map(() => 'created'));
    const transactions = await withDatabase((client) =>
      client.query<{ n: number }>(
        'SELECT count(DISTINCT tx_id)::int AS n FROM outbox_events WHERE message_key = ANY($1)',
        [writes.map((item) => item.id)],
      ),
    );
    expect(transactions.rows[0].n).toBeLessThanOrEqual(4);
  });
});
