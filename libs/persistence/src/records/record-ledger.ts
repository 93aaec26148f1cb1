import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  HandlingCode,
  HubCloudEvent,
  HubEventType,
  PublishedRecord,
  RecordBody,
  RecordType,
  RegionCode,
  Severity,
  StrategicCategory,
} from '@hub/contracts';
import { GroupCommitWriter } from '@hub/platform';
import { appendAudit, auditInsert, auditParameter, type AuditEntry } from '../audit/audit-trail';
import { IntelligenceRecordEntity } from '../entities/intelligence-record.entity';
import { RecordVersionEntity } from '../entities/record-version.entity';
import { takeFeedWriteStamp } from '../feeds/feed-store';
import { OUTBOX_SHARDS, outboxShardOf } from '../outbox/outbox-shards';
import { OutboxWakeup } from '../outbox/outbox-wakeup';
import { queryPrepared } from '../statements';

/** What the hub computed about a record: who it concerns and what it is about. */
export interface RecordRouting {
  regions: RegionCode[];
  countries: string[];
  hsCodes: string[];
  categories: StrategicCategory[];
  handling: HandlingCode;
  recipients: string[];
  excludeOrganizations: string[];
  excludeCountries: string[];
  severity: Severity | null;
}

/** An event to publish, already enveloped. */
export interface PendingEvent {
  id: string;
  type: HubEventType;
  topic: string;
  key: string;
  event: HubCloudEvent<PublishedRecord>;
}

/** A member on an alert's route that may read it (see AlertFeedbackStore). */
export interface AlertAddressee {
  organizationId: string;
  code: string;
  country: string;
}

/** How long an alert's addressees have to acknowledge it: the duration, and the instant it runs out. */
export interface AcknowledgementDeadline {
  within: string;
  dueAt: Date;
}

/** More writes in a record write's transaction, once the record is stored (not on a replay). */
export type AlsoWrite = (manager: EntityManager, record: IntelligenceRecordEntity) => Promise<void>;

export interface RecordWrite {
  id: string;
  type: RecordType;
  originatorId: string;
  originatorCode: string;
  reference: string;
  body: RecordBody;
  routing: RecordRouting;
  submissionHash: string;
  at: Date;
  /** Alerts: its addressees and deadline, written in the record's statement. */
  addressees?: AlertAddressee[];
  acknowledgement?: AcknowledgementDeadline | null;
}

/** Version 1 of a record with its history, outbox and audit rows, as insertBatch reads them. */
interface FirstVersionRow {
  id: string;
  type: RecordType;
  originator_id: string;
  originator_code: string;
  reference: string;
  handling: HandlingCode;
  recipients: string[];
  exclude_organizations: string[];
  exclude_countries: string[];
  regions: RegionCode[];
  countries: string[];
  hs_codes: string[];
  categories: StrategicCategory[];
  severity: Severity | null;
  body: RecordBody;
  submission_hash: string;
  at: string;
  addressees: { organization_id: string; code: string; country: string }[];
  acknowledge_within: string | null;
  acknowledge_due_at: string | null;
  event_type: HubEventType;
  /** The published record: the history row, and the event's data. */
  record: PublishedRecord;
  topic: string;
  message_key: string;
  /** The message key's shard (outboxShardOf). */
  shard: number;
  event_id: string;
  /** The event without its data. */
  attributes: Omit<HubCloudEvent, 'data'>;
}

interface FirstVersionSubmission {
  row: FirstVersionRow;
  /** Its audit entry (the audit entry's resource is the record). */
  audit: AuditEntry;
}

/** Version 1 of a record as the entity the callers get back (and build its event and audit entry from). */
function firstVersionEntity(write: RecordWrite): IntelligenceRecordEntity {
  return Object.assign(new IntelligenceRecordEntity(), {
    id: write.id,
    type: write.type,
    originatorId: write.originatorId,
    originatorCode: write.originatorCode,
    reference: write.reference,
    version: 1,
    status: 'active',
    handling: write.routing.handling,
    recipients: write.routing.recipients,
    excludeOrganizations: write.routing.excludeOrganizations,
    excludeCountries: write.routing.excludeCountries,
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
}

/** Version 1 with its history, outbox, addressee and audit rows, as insertBatch reads them. */
function firstVersionRow(write: RecordWrite, event: PendingEvent, shard: number): FirstVersionRow {
  const { data, ...attributes } = event.event;
  return {
    id: write.id,
    type: write.type,
    originator_id: write.originatorId,
    originator_code: write.originatorCode,
    reference: write.reference,
    handling: write.routing.handling,
    recipients: write.routing.recipients,
    exclude_organizations: write.routing.excludeOrganizations,
    exclude_countries: write.routing.excludeCountries,
    regions: write.routing.regions,
    countries: write.routing.countries,
    hs_codes: write.routing.hsCodes,
    categories: write.routing.categories,
    severity: write.routing.severity,
    body: write.body,
    submission_hash: write.submissionHash,
    at: write.at.toISOString(),
    addressees: (write.addressees ?? []).map((addressee) => ({
      organization_id: addressee.organizationId,
      code: addressee.code,
      country: addressee.country,
    })),
    acknowledge_within: write.acknowledgement?.within ?? null,
    acknowledge_due_at: write.acknowledgement?.dueAt.toISOString() ?? null,
    event_type: event.type,
    record: data,
    topic: event.topic,
    message_key: event.key,
    shard,
    event_id: event.id,
    attributes,
  };
}

/** Submission statements on their way at once; the others wait and go together. */
const MAX_BATCHES_IN_FLIGHT = 2;
/** Submissions in one statement (a ~1 KB record makes a few KB of parameters). */
const MAX_BATCH_SIZE = 100;

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
  /**
   * Group commit of first versions: while MAX_BATCHES_IN_FLIGHT statements are on their way, new
   * submissions wait and then go together, as one statement and one commit (one WAL flush) for
   * all; a lone submission goes at once. Nothing of a failed statement was written, so one bad
   * submission must not fail the others: each goes again on its own and gets its own answer.
   */
  private readonly firstVersions = new GroupCommitWriter<FirstVersionSubmission, boolean>({
    write: (batch) => this.writeFirstVersions(batch),
    maxBatch: MAX_BATCH_SIZE,
    maxInFlight: MAX_BATCHES_IN_FLIGHT,
    retryAlone: true,
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly relay: OutboxWakeup,
    @Inject(OUTBOX_SHARDS) private readonly outboxShards: number,
  ) {}

  /**
   * Creates version 1, or recognises a resend of the same reference: the same
   * submission replays the stored record, a different one is a conflict. A creation or a replay
   * is audited in the same transaction; a conflict writes nothing.
   *
   * Version 1 is fully known before it is written (id, timestamps, routing), so its event and
   * audit entry are built first and the record, its history row, its outbox row and its audit
   * entry go to PostgreSQL as ONE statement, atomic as any single statement is, together with
   * the other submissions waiting for one (see insertFirstVersions). The relay is woken once it
   * has committed (OutboxWakeup). A submission with `alsoWrite` goes alone, in a transaction of its
   * own, which `alsoWrite` continues once the record was written.
   */
  async submit(
    write: RecordWrite,
    eventFor: EventFactory,
    auditFor: (record: IntelligenceRecordEntity, outcome: 'created' | 'replayed') => AuditEntry,
    alsoWrite?: AlsoWrite,
  ): Promise<SubmitOutcome> {
    const record = firstVersionEntity(write);
    const event = eventFor(record);
    const submission: FirstVersionSubmission = {
      row: firstVersionRow(write, event, outboxShardOf(event.key, this.outboxShards)),
      audit: auditFor(record, 'created'),
    };
    const created = alsoWrite
      ? await this.writeAlone(submission, record, alsoWrite)
      : await this.firstVersions.add(submission);
    if (created) return { outcome: 'created', record };
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOneOrFail(IntelligenceRecordEntity, {
        where: { originatorId: write.originatorId, type: write.type, reference: write.reference },
      });
      if (existing.submissionHash !== write.submissionHash) return { outcome: 'conflict', record: existing };
      await appendAudit(manager, [auditFor(existing, 'replayed')]);
      return { outcome: 'replayed', record: existing };
    });
  }

  /** Whether each submission's record was written (false: its reference exists); wakes the relay. */
  private async writeFirstVersions(batch: readonly FirstVersionSubmission[]): Promise<boolean[]> {
    const inserted = await this.insertBatch(batch);
    if (inserted.size > 0) {
      this.relay.wake(
        batch.filter((submission) => inserted.has(submission.row.id)).map(({ row }) => row.shard),
      );
    }
    return batch.map((submission) => inserted.has(submission.row.id));
  }

  /** One submission in its own transaction, continued by `alsoWrite` if its record was written. */
  private async writeAlone(
    submission: FirstVersionSubmission,
    record: IntelligenceRecordEntity,
    alsoWrite: AlsoWrite,
  ): Promise<boolean> {
    const created = await this.dataSource.transaction(async (manager) => {
      // `alsoWrite` may append to feeds (feedback notices): stamped before the record takes an id.
      await takeFeedWriteStamp(manager);
      const inserted = await this.insertBatch([submission], manager);
      if (!inserted.has(submission.row.id)) return false;
      await alsoWrite(manager, record);
      return true;
    });
    if (created) this.relay.wake([submission.row.shard]);
    return created;
  }

  private async insertBatch(
    batch: readonly FirstVersionSubmission[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ReadonlySet<string>> {
    // Each submission's rows come from its own element of $1 and are written only if its record
    // was (a reference that exists writes nothing); within the batch the first of a reference wins.
    const rows = await queryPrepared<{ id: string }>(
      manager,
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
           id uuid, type varchar, originator_id uuid, originator_code varchar, reference varchar,
           handling varchar, recipients text[], exclude_organizations text[], exclude_countries text[],
           regions text[], countries text[], hs_codes text[],
           categories text[], severity varchar, body jsonb, submission_hash char(64), at timestamptz,
           addressees jsonb, acknowledge_within varchar, acknowledge_due_at timestamptz, event_type varchar, record jsonb,
           topic varchar, message_key varchar, shard smallint, event_id uuid,
           attributes jsonb, ord int)
       ), record AS (
         INSERT INTO intelligence_records
           (id, type, originator_id, originator_code, reference, version, status, handling, recipients,
            exclude_organizations, exclude_countries, regions, countries, hs_codes, categories, severity,
            body, submission_hash, created_at, updated_at, acknowledge_within, acknowledge_due_at)
         SELECT id, type, originator_id, originator_code, reference, 1, 'active', handling, recipients,
                exclude_organizations, exclude_countries, regions, countries, hs_codes, categories, severity,
                body, submission_hash, at, at, acknowledge_within, acknowledge_due_at
           FROM input ORDER BY ord
         ON CONFLICT ON CONSTRAINT intelligence_records_reference_key DO NOTHING
         RETURNING id
       ), history AS (
         INSERT INTO intelligence_record_versions (record_id, version, event_type, record, created_at)
         SELECT i.id, 1, i.event_type, i.record, i.at FROM input i JOIN record r ON r.id = i.id ORDER BY i.ord
       ), outbox AS (
         INSERT INTO outbox_events (topic, message_key, shard, event_id, event_type, event)
         SELECT i.topic, i.message_key, i.shard, i.event_id, i.event_type, i.attributes || jsonb_build_object('data', i.record)
           FROM input i JOIN record r ON r.id = i.id ORDER BY i.ord
       ), addressed AS (
         INSERT INTO alert_addressees (alert_id, organization_id, organization_code, country, addressed_at)
         SELECT i.id, a.organization_id, a.code, a.country, i.at
           FROM input i JOIN record r ON r.id = i.id
          CROSS JOIN LATERAL jsonb_to_recordset(i.addressees) AS a(organization_id uuid, code varchar, country char(2))
       ), audit AS (
         ${auditInsert('$2', 'resource_id IN (SELECT id::text FROM record)')}
       )
       SELECT id FROM record`,
      [
        JSON.stringify(batch.map((submission, ord) => ({ ...submission.row, ord }))),
        auditParameter(batch.map((submission) => submission.audit)),
      ],
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Applies a change to the current version under a row lock, so concurrent
   * changes to one record are serialised and its events keep their order.
   * `change` returns the new state, or a value of its own to abort with (nothing is written then).
   */
  async revise<R>(
    type: RecordType,
    id: string,
    change: (current: IntelligenceRecordEntity) =>
      | {
          next: Partial<IntelligenceRecordEntity>;
          eventFor: EventFactory;
          auditFor: WriteAudit;
          alsoWrite?: AlsoWrite;
        }
      | { abort: R },
  ): Promise<{ record: IntelligenceRecordEntity } | { abort: R } | null> {
    const result = await this.dataSource.transaction(async (manager) => {
      // Revisions of a record queue on an advisory lock first, which takes no transaction id: the
      // row lock below does (at the row, before waiting for it), so without this a revision that
      // arrived first but was granted the row second would carry the older tx_id, and the relay,
      // reading in (tx_id, id) order, would publish the later version before the earlier one.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [id]);
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
                hs_codes = $8, categories = $9, severity = $10, body = $11, updated_at = $12, withdrawn_at = $13,
                exclude_organizations = $14, exclude_countries = $15
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
          record.excludeOrganizations,
          record.excludeCountries,
        ],
      );
      const shard = await this.appendVersionAndEvent(manager, record, decision.eventFor(record));
      await appendAudit(manager, [decision.auditFor(record)]);
      await decision.alsoWrite?.(manager, record);
      return { record, shard };
    });
    if (result === null || 'abort' in result) return result;
    this.relay.wake([result.shard]);
    return { record: result.record };
  }

  async find(type: RecordType, id: string): Promise<IntelligenceRecordEntity | null> {
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
  ): Promise<number> {
    const shard = outboxShardOf(event.key, this.outboxShards);
    await manager.query(
      'INSERT INTO intelligence_record_versions (record_id, version, event_type, record, created_at) VALUES ($1, $2, $3, $4, $5)',
      [record.id, record.version, event.type, event.event.data, record.updatedAt],
    );
    await manager.query(
      'INSERT INTO outbox_events (topic, message_key, shard, event_id, event_type, event) VALUES ($1, $2, $3, $4, $5, $6)',
      [event.topic, event.key, shard, event.id, event.type, event.event],
    );
    return shard;
  }
}
