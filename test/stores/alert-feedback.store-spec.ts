import { createHash, randomUUID } from 'node:crypto';
import { buildCloudEvent, EVENT_TYPES } from '@hub/contracts';
import {
  AlertFeedbackStore,
  type AuditEntry,
  DEFAULT_OUTBOX_SHARDS,
  EscalationStore,
  OutboxWakeup,
  RecordLedger,
  type RecordWrite,
} from '@hub/persistence';
import { standardAlert, standardPublishedAlert } from '../support/fixtures';
import {
  eventually,
  openStoreDatabase,
  seedOrganization,
  type SeededOrganization,
  type StoreDatabase,
} from './store-database';

describe('AlertFeedbackStore and EscalationStore against PostgreSQL', () => {
  let db: StoreDatabase;
  let ledger: RecordLedger;
  let store: AlertFeedbackStore;
  let escalations: EscalationStore;
  let france: SeededOrganization;
  let germany: SeededOrganization;
  let emirates: SeededOrganization;

  beforeAll(async () => {
    db = await openStoreDatabase('feedback');
    ledger = new RecordLedger(db.dataSource, new OutboxWakeup(db.url, false), DEFAULT_OUTBOX_SHARDS);
    store = new AlertFeedbackStore(db.dataSource);
    escalations = new EscalationStore(db.dataSource, store);
    france = await seedOrganization(db.dataSource, { country: 'FR' });
    germany = await seedOrganization(db.dataSource, { country: 'DE' });
    emirates = await seedOrganization(db.dataSource, { country: 'AE' });
  });
  afterAll(() => db.close());

  const audit = (resourceId: string): AuditEntry => ({
    action: 'record.submitted',
    actor: { type: 'organization', id: france.id, code: france.code, kind: 'member' },
    resourceType: 'alert',
    resourceId,
  });

  async function submitAlert(dueAt: Date | null = null): Promise<string> {
    const body = standardAlert();
    const write: RecordWrite = {
      id: randomUUID(),
      type: 'alert',
      originatorId: france.id,
      originatorCode: france.code,
      reference: String(body.reference),
      body,
      routing: {
        regions: ['europe', 'mena'],
        countries: ['AE', 'DE', 'FR'],
        hsCodes: ['848180'],
        categories: ['dual-use'],
        handling: 'community',
        recipients: [],
        excludeOrganizations: [],
        excludeCountries: [],
        severity: 'critical',
      },
      submissionHash: createHash('sha256').update(randomUUID()).digest('hex'),
      at: new Date(),
      addressees: [germany, emirates].map((member) => ({
        organizationId: member.id,
        code: member.code,
        country: member === germany ? 'DE' : 'AE',
      })),
      acknowledgement: dueAt ? { within: 'PT1S', dueAt } : null,
    };
    const outcome = await ledger.submit(
      write,
      (record) => {
        const id = randomUUID();
        return {
          id,
          type: EVENT_TYPES.alertPublished,
          topic: 'hub.alerts.v1',
          key: record.id,
          event: buildCloudEvent({
            id,
            type: EVENT_TYPES.alertPublished,
            source: 'https://hub.example/organizations/fr',
            time: record.updatedAt.toISOString(),
            record: standardPublishedAlert({ id: record.id, version: 1, reference: record.reference }),
          }),
        };
      },
      (record) => audit(record.id),
    );
    expect(outcome.outcome).toBe('created');
    return write.id;
  }

  const inboxIds = async (
    organizationId: string,
    status: 'all' | 'acknowledged' | 'unacknowledged' = 'all',
  ) => (await store.inbox(organizationId, status, null, 200)).map((entry) => entry.alert.id);

  it('writes the addressees with the alert, and holds back rows of transactions still running (gap-free)', async () => {
    const first = await submitAlert();
    expect(
      await eventually(
        () => inboxIds(germany.id),
        (ids) => ids.includes(first),
      ),
    ).toContain(first);
    expect(await inboxIds(france.id)).not.toContain(first);

    const running = await db.openTransaction();
    const second = await submitAlert();
    expect(await inboxIds(germany.id)).not.toContain(second);
    await running.rollback();
    const ids = await eventually(
      () => inboxIds(germany.id),
      (read) => read.includes(second),
    );
    // Newest first.
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
  });

  it('stores feedback once per organization, type and seizure, and counts the acknowledgements', async () => {
    const alert = await submitAlert();
    const write = {
      alertId: alert,
      organizationId: germany.id,
      organizationCode: germany.code,
      type: 'received' as const,
      seizureId: null,
      comment: null,
      observedAt: new Date(),
      automatic: false,
    };
    const auditEntry = () => ({ ...audit(alert), action: 'feedback.submitted' as const });
    const first = await store.record({ ...write, id: randomUUID() }, () => null, auditEntry);
    const again = await store.record({ ...write, id: randomUUID() }, () => null, auditEntry);
    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, entry: first.entry });
    expect((await store.counts(alert)).received).toBe(1);
    const measures = await store.measures(alert);
    expect(measures).toMatchObject({ addressees: 2, acknowledged: 1 });
    expect(measures.secondsToFirstAcknowledgement).toBeGreaterThanOrEqual(0);
    await eventually(
      () => inboxIds(germany.id, 'acknowledged'),
      (ids) => ids.includes(alert),
    );
    expect(await inboxIds(germany.id, 'unacknowledged')).not.toContain(alert);
    expect(await inboxIds(emirates.id, 'unacknowledged')).toContain(alert);
  });

  it('examines an overdue alert once: a second scan finds nothing to do', async () => {
    const alert = await submitAlert(new Date(Date.now() - 1000));
    expect(await escalations.due(1000)).toContain(alert);
    const decided: string[][] = [];
    const emitted = await escalations.escalate(alert, (facts) => {
      decided.push(
        facts.addressees.filter((addressee) => !addressee.acknowledged).map((addressee) => addressee.code),
      );
      return null;
    });
    expect(emitted).toBe(false);
    expect(decided).toEqual([[germany.code, emirates.code].sort()]);
    expect(await escalations.due(1000)).not.toContain(alert);
    expect(await escalations.escalate(alert, () => null)).toBe(false);
    expect(decided).toHaveLength(1);
  });
});
