import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { appendAudit, auditInsert, auditParameter, type AuditEntry } from '../audit/audit-trail';
import { IntelligenceRecordEntity } from '../entities/intelligence-record.entity';
import { RecordVersionEntity } from '../entities/record-version.entity';
import { OutboxWakeup } from '../outbox/outbox-wakeup';

export type RecordKind = IntelligenceRecordEntity['type'];

/** What the hub computed about a record: who it concerns and what it is about. */
export interface RecordRouting {
  regions: string[];
  countries: string[];
  hsCodes: string[];
  categories: string[];
  handling: IntelligenceRecordEntity['handling'];
  recipients: string[];
  severity: string | null;
}

/** An event to publish, already enveloped (a CloudEvent as JSON). */
export interface PendingEvent {
  id: string;
  type: string;
  topic: string;
  key: string;
  event: Record<string, unknown>;
}

export interface RecordWrite {
  id: string;
  type: RecordKind;
  originatorId: string;
  originatorCode: string;
  reference: string;
  body: Record<string, unknown>;
  routing: RecordRouting;
  submissionHash: string;
  at: Date;
}

export type SubmitOutcome =
  | { outcome: 'created'; record: IntelligenceRecordEntity }
  | { outcome: 'replayed'; record: IntelligenceRecordEntity }
  | { outcome: 'conflict'; record: IntelligenceRecordEntity };

/** Builds the event for a record state, given the stored row (so it carries id, version, timestamps). */
export type EventFactory = (record: IntelligenceRecordEntity) => PendingEvent;

/** Builds the audit entry of a write, given the stored row; written in the write's transaction. */
export type WriteAudit = (record: IntelligenceRecordEntity) => AuditEntry;

/**
 * Writes records with their history and outbox rows in one transaction: once
 * the transaction commits, the record is durable and its event will be
 * published by the relay, whatever crashes afterwards.
 */
@Injectable()
export class RecordLedger {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxWakeup,
  ) {}

  /**
   * Creates version 1, or recognises a resend of the same reference: the same
   * submission replays the stored record, a different one is a conflict. A creation or a replay
   * is audited in the same transaction; a conflict writes nothing.
   *
   * Version 1 is fully known before it is written (id, timestamps, routing), so its event and
   * audit entry are built first and the record, its history row, its outbox row and its audit
   * entry go to PostgreSQL as ONE statement: one round trip, and atomic as any single statement
   * is. The relay is woken once it has committed (OutboxWakeup).
   */
  async submit(
    write: RecordWrite,
    eventFor: EventFactory,
    auditFor: (record: IntelligenceRecordEntity, outcome: 'created' | 'replayed') => AuditEntry,
  ): Promise<SubmitOutcome> {
    const record = Object.assign(new IntelligenceRecordEntity(), {
      id: write.id,
      type: write.type,
      originatorId: write.originatorId,
      originatorCode: write.originatorCode,
      reference: write.reference,
      version: 1,
      status: 'active',
      handling: write.routing.handling,
      recipients: write.routing.recipients,
      regions: write.routing.regions,
      countries: write.routing.countries,
      hsCodes: write.routing.hsCodes,
      categories: write.routing.categories,
      severity: write.routing.severity,
      body: write.body,
      submissionHash: write.submissionHash,
      createdAt: write.at,
      updatedAt: write.at,
      withdrawnAt: null,
    } satisfies IntelligenceRecordEntity);
    const event = eventFor(record);
    const inserted = await this.dataSource.query<{ id: string }[]>(
      `WITH record AS (
         INSERT INTO intelligence_records
           (id, type, originator_id, originator_code, reference, version, status, handling, recipients,
            regions, countries, hs_codes, categories, severity, body, submission_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 1, 'active', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
         ON CONFLICT ON CONSTRAINT intelligence_records_reference_key DO NOTHING
         RETURNING id
       ), history AS (
         INSERT INTO intelligence_record_versions (record_id, version, event_type, record, created_at)
         SELECT id, 1, $16, $17, $15 FROM record
       ), outbox AS (
         INSERT INTO outbox_events (topic, message_key, event_id, event_type, event)
         SELECT $18, $19, $20, $16, $21 FROM record
       ), audit AS (
         ${auditInsert('$22', 'EXISTS (SELECT 1 FROM record)')}
       )
       SELECT id FROM record`,
      [
        write.id,
        write.type,
        write.originatorId,
        write.originatorCode,
        write.reference,
        write.routing.handling,
        write.routing.recipients,
        write.routing.regions,
        write.routing.countries,
        write.routing.hsCodes,
        write.routing.categories,
        write.routing.severity,
        write.body,
        write.submissionHash,
        write.at,
        event.type,
        event.event.data ?? {},
        event.topic,
        event.key,
        event.id,
        event.event,
        auditParameter([auditFor(record, 'created')]),
      ],
    );
    if (inserted.length === 1) {
      this.relay.wake();
      return { outcome: 'created', record };
    }
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOneOrFail(IntelligenceRecordEntity, {
        where: { originatorId: write.originatorId, type: write.type, reference: write.reference },
      });
      if (existing.submissionHash !== write.submissionHash) return { outcome: 'conflict', record: existing };
      await appendAudit(manager, [auditFor(existing, 'replayed')]);
      return { outcome: 'replayed', record: existing };
    });
  }

  /**
   * Applies a change to the current version under a row lock, so concurrent
   * changes to one record are serialised and its events keep their order.
   * `change` returns the new state, or a value of its own to abort with (nothing is written then).
   */
  async revise<R>(
    type: RecordKind,
    id: string,
    change: (
      current: IntelligenceRecordEntity,
    ) =>
      | { next: Partial<IntelligenceRecordEntity>; eventFor: EventFactory; auditFor: WriteAudit }
      | { abort: R },
  ): Promise<{ record: IntelligenceRecordEntity } | { abort: R } | null> {
    const result = await this.dataSource.transaction(async (manager) => {
      const current = await manager
        .getRepository(IntelligenceRecordEntity)
        .createQueryBuilder('record')
        .setLock('pessimistic_write')
        .where('record.id = :id AND record.type = :type', { id, type })
        .getOne();
      if (!current) return null;
      const decision = change(current);
      if ('abort' in decision) return { abort: decision.abort };
      const record = Object.assign(new IntelligenceRecordEntity(), current, decision.next, {
        version: current.version + 1,
      });
      await manager.query(
        `UPDATE intelligence_records
            SET version = $2, status = $3, handling = $4, recipients = $5, regions = $6, countries = $7,
                hs_codes = $8, categories = $9, severity = $10, body = $11, updated_at = $12, withdrawn_at = $13
          WHERE id = $1`,
        [
          record.id,
          record.version,
          record.status,
          record.handling,
          record.recipients,
          record.regions,
          record.countries,
          record.hsCodes,
          record.categories,
          record.severity,
          record.body,
          record.updatedAt,
          record.withdrawnAt,
        ],
      );
      await this.appendVersionAndEvent(manager, record, decision.eventFor(record));
      await appendAudit(manager, [decision.auditFor(record)]);
      return { record };
    });
    if (result !== null && 'record' in result) this.relay.wake();
    return result;
  }

  async find(type: RecordKind, id: string): Promise<IntelligenceRecordEntity | null> {
    return this.dataSource.getRepository(IntelligenceRecordEntity).findOne({ where: { id, type } });
  }

  async history(id: string): Promise<RecordVersionEntity[]> {
    return this.dataSource
      .getRepository(RecordVersionEntity)
      .find({ where: { recordId: id }, order: { version: 'ASC' } });
  }

  private async appendVersionAndEvent(
    manager: EntityManager,
    record: IntelligenceRecordEntity,
    event: PendingEvent,
  ): Promise<void> {
    await manager.query(
      'INSERT INTO intelligence_record_versions (record_id, version, event_type, record, created_at) VALUES ($1, $2, $3, $4, $5)',
      [record.id, record.version, event.type, event.event.data ?? {}, record.updatedAt],
    );
    await manager.query(
      'INSERT INTO outbox_events (topic, message_key, event_id, event_type, event) VALUES ($1, $2, $3, $4, $5)',
      [event.topic, event.key, event.id, event.type, event.event],
    );
  }
}
