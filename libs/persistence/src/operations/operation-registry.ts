import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  HubOperationEvent,
  OperationRole,
  OperationScope,
  OperationTemplate,
  OperationView,
} from '@hub/contracts';
import { operationStatus, OPERATIONS_TOPIC } from '@hub/contracts';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { ROUTING_LOCK_KEY } from '../feeds/feed-store';
import { OUTBOX_SHARDS, outboxShardOf } from '../outbox/outbox-shards';
import { notifyOrganizationChange, touchSubscriptions } from '../organizations/organization-directory';
import { operationCodesOf } from './operation-memberships.sql';

/** A participant as stored: the organization by id and code, and its role. */
export interface OperationParticipantRow {
  organizationId: string;
  organization: string;
  role: OperationRole;
}

/** An operation as stored, with its participants; `view(now)` is what the API answers. */
export interface StoredOperation {
  id: string;
  code: string;
  name: string;
  description: string;
  period: { start: string; end: string };
  phases: { name: string; start: string; end: string }[];
  scope: OperationScope | null;
  template: OperationTemplate | null;
  participants: OperationParticipantRow[];
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export interface NewOperationRow {
  id: string;
  code: string;
  name: string;
  description: string;
  period: { start: string; end: string };
  phases: { name: string; start: string; end: string }[];
  scope: OperationScope | null;
  template: OperationTemplate | null;
  participants: OperationParticipantRow[];
  at: Date;
}

/** What a PATCH changes, already checked against the operation as it was read (see `update`). */
export interface OperationChange {
  name?: string;
  description?: string;
  periodEnd?: string;
  phases?: { name: string; start: string; end: string }[];
  add?: OperationParticipantRow[];
  remove?: string[];
}

/** An operation event to publish through the outbox, keyed by operation code. */
export interface PendingOperationEvent {
  event: HubOperationEvent;
}

/** A point of an operation's life the clock reaches: its opening, or the start of one of its phases. */
export type OperationMilestone = { kind: 'opened' } | { kind: 'phase-started'; index: number };

/** Key of the advisory lock one milestone scan holds at a time ('opms'). */
const OPERATION_MILESTONE_LOCK = 0x6f706d73;

/** The operation code is taken: nothing was written. */
export class OperationCodeTaken extends Error {
  constructor(readonly code: string) {
    super(`operation ${code} exists`);
  }
}

interface RawOperation {
  id: string;
  code: string;
  name: string;
  description: string;
  period_start: Date;
  period_end: Date;
  phases: { name: string; start: string; end: string }[];
  scope: OperationScope | null;
  template: OperationTemplate | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  participants: { organizationId: string; organization: string; role: OperationRole }[] | null;
}

const SELECT_OPERATION = `
  SELECT op.id, op.code, op.name, op.description, op.period_start, op.period_end, op.phases, op.scope,
         op.template, op.created_at, op.updated_at, op.closed_at,
         (SELECT jsonb_agg(jsonb_build_object('organizationId', p.organization_id,
                                              'organization', p.organization_code, 'role', p.role)
                           ORDER BY p.organization_code)
            FROM operation_participants p WHERE p.operation_id = op.id) AS participants
    FROM operations op`;

function toStored(raw: RawOperation): StoredOperation {
  return {
    id: raw.id,
    code: raw.code,
    name: raw.name,
    description: raw.description,
    period: { start: raw.period_start.toISOString(), end: raw.period_end.toISOString() },
    phases: raw.phases,
    scope: raw.scope,
    template: raw.template,
    participants: raw.participants ?? [],
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    closedAt: raw.closed_at,
  };
}

/** The API's view of a stored operation at `now` (its status derived from the clock and closing). */
export function operationView(operation: StoredOperation, now: Date): OperationView {
  return {
    code: operation.code,
    name: operation.name,
    description: operation.description,
    period: operation.period,
    phases: operation.phases,
    participants: operation.participants.map(({ organization, role }) => ({ organization, role })),
    ...(operation.scope ? { scope: operation.scope } : {}),
    ...(operation.template ? { template: operation.template } : {}),
    status: operationStatus(operation, now),
    createdAt: operation.createdAt.toISOString(),
    updatedAt: operation.updatedAt.toISOString(),
    closedAt: operation.closedAt ? operation.closedAt.toISOString() : null,
  };
}

/** An operation's events share its code as message key, hence one shard: they go out in order. */
async function insertEvents(
  manager: EntityManager,
  events: readonly PendingOperationEvent[],
  shards: number,
): Promise<void> {
  for (const { event } of events) {
    await manager.query(
      'INSERT INTO outbox_events (topic, message_key, shard, event_id, event_type, event) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        OPERATIONS_TOPIC,
        event.operation,
        outboxShardOf(event.operation, shards),
        event.id,
        event.type,
        event,
      ],
    );
  }
}

/**
 * Joint operations and their participants. Every change is one transaction with its audit entry
 * and its outbox events (published by the relay on hub.operations.v1). A change of participants
 * also stamps their subscriptions changed and wakes every gateway to forget its keys, under the
 * routing lock as a suspension does: routers, the notifier's send-time check and the gateway's
 * reads all see the new membership before anything new is matched, sent or read.
 */
@Injectable()
export class OperationRegistry {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(OUTBOX_SHARDS) private readonly outboxShards: number,
  ) {}

  async find(
    code: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredOperation | null> {
    const [raw] = await manager.query<RawOperation[]>(`${SELECT_OPERATION} WHERE op.code = $1`, [code]);
    return raw ? toStored(raw) : null;
  }

  /** Every operation (organizationId null: the secretariat) or those the organization takes part in, by code. */
  async list(organizationId: string | null): Promise<StoredOperation[]> {
    const rows =
      organizationId === null
        ? await this.dataSource.query<RawOperation[]>(`${SELECT_OPERATION} ORDER BY op.code`)
        : await this.dataSource.query<RawOperation[]>(
            `${SELECT_OPERATION}
              WHERE EXISTS (SELECT 1 FROM operation_participants p
                             WHERE p.operation_id = op.id AND p.organization_id = $1)
              ORDER BY op.code`,
            [organizationId],
          );
    return rows.map(toStored);
  }

  /** Codes of the operations the organization takes part in now, any role (the reader's `operations`). */
  async membershipsOf(organizationId: string): Promise<string[]> {
    const [row] = await this.dataSource.query<{ operations: string[] }[]>(
      `SELECT ${operationCodesOf('$1')} AS operations`,
      [organizationId],
    );
    return row.operations;
  }

  /** Creates the operation with its participants and audit entry; a taken code writes nothing. */
  async create(operation: NewOperationRow, audit: AuditEntry): Promise<StoredOperation> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO operations (id, code, name, description, period_start, period_end, phases, scope,
                                   template, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
          [
            operation.id,
            operation.code,
            operation.name,
            operation.description,
            operation.period.start,
            operation.period.end,
            JSON.stringify(operation.phases),
            operation.scope === null ? null : JSON.stringify(operation.scope),
            operation.template === null ? null : JSON.stringify(operation.template),
            operation.at,
          ],
        );
        await this.addParticipants(manager, operation.id, operation.participants, operation.at);
        // Participants read the operation's records from the commit on, on every channel.
        for (const participant of operation.participants)
          await touchSubscriptions(manager, participant.organizationId);
        await notifyOrganizationChange(manager);
        await appendAudit(manager, [audit]);
        return (await this.find(operation.code, manager))!;
      });
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'operations_code_unique')
        throw new OperationCodeTaken(operation.code);
      throw error;
    }
  }

  /**
   * Applies a change decided on the operation as it is now: `decide` reads it locked (FOR UPDATE)
   * and answers the change, its audit entry and its events, or an abort (nothing written). Removed
   * participants stop reading at the commit; added ones start.
   */
  async update<A>(
    code: string,
    decide: (
      current: StoredOperation,
    ) => { abort: A } | { change: OperationChange; audit: AuditEntry; events: PendingOperationEvent[] },
  ): Promise<{ operation: StoredOperation } | { abort: A } | null> {
    return this.dataSource.transaction(async (manager) => {
      const [locked] = await manager.query<{ id: string }[]>(
        'SELECT id FROM operations WHERE code = $1 FOR UPDATE',
        [code],
      );
      if (!locked) return null;
      const current = (await this.find(code, manager))!;
      const decision = decide(current);
      if ('abort' in decision) return { abort: decision.abort };
      const { change } = decision;
      const membership = (change.add?.length ?? 0) + (change.remove?.length ?? 0) > 0;
      // Before any write, as a suspension: no router batch is between its look at the
      // subscriptions and its writes, so nothing is matched under the old membership afterwards.
      if (membership) await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [ROUTING_LOCK_KEY]);
      await manager.query(
        `UPDATE operations
            SET name = COALESCE($2, name), description = COALESCE($3, description),
                period_end = COALESCE($4::timestamptz, period_end), phases = COALESCE($5::jsonb, phases),
                updated_at = now()
          WHERE id = $1`,
        [
          current.id,
          change.name ?? null,
          change.description ?? null,
          change.periodEnd ?? null,
          change.phases ? JSON.stringify(change.phases) : null,
        ],
      );
      const touched: string[] = [];
      if (change.remove && change.remove.length > 0) {
        // node-postgres answers DELETE … RETURNING with [rows, count].
        const [removed] = await manager.query<[{ organization_id: string }[], number]>(
          `DELETE FROM operation_participants WHERE operation_id = $1 AND organization_code = ANY($2::text[])
           RETURNING organization_id`,
          [current.id, change.remove],
        );
        touched.push(...removed.map((row) => row.organization_id));
      }
      if (change.add && change.add.length > 0) {
        await this.addParticipants(manager, current.id, change.add, new Date());
        touched.push(...change.add.map((participant) => participant.organizationId));
      }
      for (const organizationId of touched) await touchSubscriptions(manager, organizationId);
      if (membership) await notifyOrganizationChange(manager);
      await insertEvents(manager, decision.events, this.outboxShards);
      await appendAudit(manager, [decision.audit]);
      return { operation: (await this.find(code, manager))! };
    });
  }

  /** Closes the operation (once): records naming it are refused from the commit on. */
  async close(
    code: string,
    decide: (current: StoredOperation) => { audit: AuditEntry; events: PendingOperationEvent[] },
  ): Promise<{ operation: StoredOperation; changed: boolean } | null> {
    return this.dataSource.transaction(async (manager) => {
      const [locked] = await manager.query<{ id: string; closed: boolean }[]>(
        'SELECT id, closed_at IS NOT NULL AS closed FROM operations WHERE code = $1 FOR UPDATE',
        [code],
      );
      if (!locked) return null;
      if (locked.closed) return { operation: (await this.find(code, manager))!, changed: false };
      await manager.query('UPDATE operations SET closed_at = now(), updated_at = now() WHERE id = $1', [
        locked.id,
      ]);
      const closed = (await this.find(code, manager))!;
      const { audit, events } = decide(closed);
      await insertEvents(manager, events, this.outboxShards);
      await appendAudit(manager, [audit]);
      return { operation: closed, changed: true };
    });
  }

  /**
   * Announces what the clock has reached since the last scan: `operation.opened` once the period
   * has started, `operation.phase-started` once each phase has, for every operation neither closed
   * nor past its end. Each milestone is written once (its row in operation_milestones, in the same
   * transaction as its outbox row); a scan already running elsewhere is left to finish (the
   * advisory lock), and a concurrent one would find the milestone taken. Answers the events written.
   */
  async announceDue(
    now: Date,
    eventFor: (operation: StoredOperation, milestone: OperationMilestone) => HubOperationEvent,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1::bigint) AS locked',
        [OPERATION_MILESTONE_LOCK],
      );
      if (!locked) return 0;
      const due = await manager.query<RawOperation[]>(
        `${SELECT_OPERATION}
          WHERE op.closed_at IS NULL AND op.period_start <= $1 AND op.period_end > $1
            AND (NOT EXISTS (SELECT 1 FROM operation_milestones m WHERE m.operation_id = op.id AND m.milestone = 'opened')
                 OR EXISTS (SELECT 1 FROM jsonb_array_elements(op.phases) WITH ORDINALITY AS ph(phase, ord)
                             WHERE (ph.phase ->> 'start')::timestamptz <= $1
                               AND NOT EXISTS (SELECT 1 FROM operation_milestones m
                                                WHERE m.operation_id = op.id AND m.milestone = 'phase:' || (ph.ord - 1))))
          ORDER BY op.period_start
          LIMIT 100`,
        [now],
      );
      let written = 0;
      for (const raw of due) {
        const operation = toStored(raw);
        const milestones: OperationMilestone[] = [{ kind: 'opened' }];
        operation.phases.forEach((phase, index) => {
          if (Date.parse(phase.start) <= now.getTime()) milestones.push({ kind: 'phase-started', index });
        });
        for (const milestone of milestones) {
          const name = milestone.kind === 'opened' ? 'opened' : `phase:${milestone.index}`;
          const [claimed] = await manager.query<{ milestone: string }[]>(
            `INSERT INTO operation_milestones (operation_id, milestone) VALUES ($1, $2)
             ON CONFLICT DO NOTHING RETURNING milestone`,
            [operation.id, name],
          );
          if (!claimed) continue;
          await insertEvents(manager, [{ event: eventFor(operation, milestone) }], this.outboxShards);
          written += 1;
        }
      }
      return written;
    });
  }

  private async addParticipants(
    manager: EntityManager,
    operationId: string,
    participants: readonly OperationParticipantRow[],
    at: Date,
  ): Promise<void> {
    if (participants.length === 0) return;
    // A participant added again keeps its row; its role is updated.
    await manager.query(
      `INSERT INTO operation_participants (operation_id, organization_id, organization_code, role, added_at)
       SELECT $1, p.organization_id, p.organization_code, p.role, $3
         FROM jsonb_to_recordset($2::jsonb) AS p(organization_id uuid, organization_code varchar, role varchar)
       ON CONFLICT (operation_id, organization_id) DO UPDATE SET role = EXCLUDED.role`,
      [
        operationId,
        JSON.stringify(
          participants.map((participant) => ({
            organization_id: participant.organizationId,
            organization_code: participant.organization,
            role: participant.role,
          })),
        ),
        at,
      ],
    );
  }
}
