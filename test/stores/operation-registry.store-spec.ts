import { randomUUID } from 'node:crypto';
import { buildOperationEvent, OPERATION_EVENT_TYPES, OPERATIONS_TOPIC } from '@hub/contracts';
import {
  type AuditEntry,
  DEFAULT_OUTBOX_SHARDS,
  OperationCodeTaken,
  OperationRegistry,
  SubscriptionStore,
} from '@hub/persistence';
import {
  openStoreDatabase,
  seedOrganization,
  seedSubscription,
  type SeededOrganization,
  type StoreDatabase,
} from './store-database';

describe(`${OperationRegistry.name} against PostgreSQL`, () => {
  let db: StoreDatabase;
  let registry: OperationRegistry;
  let subscriptions: SubscriptionStore;

  beforeAll(async () => {
    db = await openStoreDatabase('operations');
    registry = new OperationRegistry(db.dataSource, DEFAULT_OUTBOX_SHARDS);
    subscriptions = new SubscriptionStore(db.dataSource);
  });
  afterAll(() => db.close());

  const audit = (code: string): AuditEntry => ({
    action: 'operation.created',
    actor: { type: 'organization', code: 'secretariat' },
    resourceType: 'operation',
    resourceId: code,
  });

  async function create(
    participants: SeededOrganization[],
    period = { start: new Date(Date.now() - 60_000), end: new Date(Date.now() + 86_400_000) },
  ) {
    const code = `OP-${randomUUID().slice(0, 8)}`;
    return registry.create(
      {
        id: randomUUID(),
        code,
        name: 'Store operation',
        description: 'Store test',
        period: { start: period.start.toISOString(), end: period.end.toISOString() },
        phases: [
          { name: 'Now', start: period.start.toISOString(), end: period.end.toISOString() },
          {
            name: 'Later',
            start: new Date(Date.now() + 3_600_000).toISOString(),
            end: period.end.toISOString(),
          },
        ],
        scope: { categories: ['nuclear'] },
        template: null,
        participants: participants.map((organization, index) => ({
          organizationId: organization.id,
          organization: organization.code,
          role: index === 0 ? 'coordinator' : 'participant',
        })),
        at: new Date(),
      },
      audit(code),
    );
  }

  it('creates, finds and lists an operation with its participants; a taken code writes nothing', async () => {
    const [france, kenya, outsider] = [
      await seedOrganization(db.dataSource),
      await seedOrganization(db.dataSource),
      await seedOrganization(db.dataSource),
    ];
    const operation = await create([france, kenya]);
    expect(
      (await registry.find(operation.code))?.participants
        .map((participant) => participant.organization)
        .sort(),
    ).toEqual([france.code, kenya.code].sort());
    expect(await registry.membershipsOf(kenya.id)).toContain(operation.code);
    expect(await registry.membershipsOf(outsider.id)).not.toContain(operation.code);
    expect((await registry.list(outsider.id)).map((item) => item.code)).not.toContain(operation.code);
    expect((await registry.list(null)).map((item) => item.code)).toContain(operation.code);
    await expect(
      registry.create(
        {
          id: randomUUID(),
          code: operation.code,
          name: 'Again',
          description: 'Again',
          period: operation.period,
          phases: [],
          scope: null,
          template: null,
          participants: [],
          at: new Date(),
        },
        audit(operation.code),
      ),
    ).rejects.toBeInstanceOf(OperationCodeTaken);
  });

  it("stamps a removed participant's subscriptions changed, so routers re-read its profile without the operation", async () => {
    const [france, kenya] = [await seedOrganization(db.dataSource), await seedOrganization(db.dataSource)];
    const subscription = await seedSubscription(db.dataSource, kenya);
    const operation = await create([france, kenya]);
    const { watermark } = await subscriptions.changesSince('0');
    const result = await registry.update<never>(operation.code, () => ({
      change: { remove: [kenya.code] },
      audit: { ...audit(operation.code), action: 'operation.updated' },
      events: [],
    }));
    expect(
      result && 'operation' in result ? result.operation.participants.map((p) => p.organization) : [],
    ).toEqual([france.code]);
    const { changes } = await subscriptions.changesSince(watermark);
    const changed = changes.find((candidate) => candidate.id === subscription.id);
    expect(changed?.subscriberOperations).not.toContain(operation.code);
    expect(await registry.membershipsOf(kenya.id)).not.toContain(operation.code);
  });

  it('announces the opening and each started phase once, through the outbox', async () => {
    const france = await seedOrganization(db.dataSource);
    const operation = await create([france]);
    const announce = () =>
      registry.announceDue(new Date(), (stored, milestone) =>
        buildOperationEvent(
          randomUUID(),
          milestone.kind === 'opened' ? OPERATION_EVENT_TYPES.opened : OPERATION_EVENT_TYPES.phaseStarted,
          new Date(),
          { code: stored.code, name: stored.name, period: stored.period },
        ),
      );
    await announce();
    await announce();
    const rows = await db.dataSource.query<{ event_type: string }[]>(
      'SELECT event_type FROM outbox_events WHERE topic = $1 AND message_key = $2 ORDER BY id',
      [OPERATIONS_TOPIC, operation.code],
    );
    // The second phase starts in an hour: not yet.
    expect(rows.map((row) => row.event_type)).toEqual(['operation.opened', 'operation.phase-started']);
  });

  it('closes once: a second close changes nothing', async () => {
    const france = await seedOrganization(db.dataSource);
    const operation = await create([france]);
    const decide = () => ({
      audit: { ...audit(operation.code), action: 'operation.closed' as const },
      events: [],
    });
    expect((await registry.close(operation.code, decide))?.changed).toBe(true);
    const again = await registry.close(operation.code, decide);
    expect(again?.changed).toBe(false);
    expect(again?.operation.closedAt).not.toBeNull();
  });
});
