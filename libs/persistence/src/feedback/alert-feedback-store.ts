import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  AlertAcknowledgementMeasures,
  AlertFeedbackEntry,
  FeedbackType,
  HubNoticeEvent,
  NoticeKind,
  OrganizationKind,
  PublishedRecord,
  RegionCode,
  SubscriptionFilter,
} from '@hub/contracts';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { appendMatches, channelsFor, type FeedMatch, takeFeedWriteStamp } from '../feeds/feed-store';
import { IntelligenceRecordEntity } from '../entities/intelligence-record.entity';
import type { AcknowledgementDeadline, AlertAddressee } from '../records/record-ledger';
import { operationCodesOf } from '../operations/operation-memberships.sql';
import { queryPrepared } from '../statements';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An organization as the addressee and notice rules need it. */
export interface OrganizationProfileRow {
  id: string;
  code: string;
  kind: OrganizationKind;
  country?: string;
  region?: RegionCode;
  /** The joint operations it takes part in (any role): its 'operation' records are readable to it. */
  operations: string[];
}

export interface FeedbackWrite {
  id: string;
  alertId: string;
  organizationId: string;
  organizationCode: string;
  type: FeedbackType;
  seizureId: string | null;
  comment: string | null;
  observedAt: Date;
  automatic: boolean;
}

/** Who receives a notice: the organizations, and which of their subscriptions' filters take it. */
export interface NoticeFanOut {
  kind: NoticeKind;
  organizationCodes: readonly string[];
  /** The filter rule, applied to the alert (see noticeFilterAccepts in @hub/matching). */
  accepts: (filter: SubscriptionFilter) => boolean;
  alertId: string;
  alertVersion: number;
  event: HubNoticeEvent;
}

export interface InboxPosition {
  txId: string;
  id: string;
}

export type InboxStatus = 'unacknowledged' | 'acknowledged' | 'all';

export interface InboxEntry {
  position: InboxPosition;
  addressedAt: Date;
  alert: PublishedRecord;
  acknowledgedAt: Date | null;
  feedbackTypes: FeedbackType[];
}

interface RawFeedback {
  id: string;
  alert_id: string;
  organization_code: string;
  type: FeedbackType;
  seizure_id: string | null;
  comment: string | null;
  observed_at: Date;
  created_at: Date;
  automatic: boolean;
}

function entryOf(row: RawFeedback): AlertFeedbackEntry {
  return {
    id: row.id,
    alert: row.alert_id,
    organization: row.organization_code,
    type: row.type,
    ...(row.seizure_id ? { seizure: row.seizure_id } : {}),
    ...(row.comment ? { comment: row.comment } : {}),
    observedAt: row.observed_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    automatic: row.automatic,
  };
}

const FEEDBACK_COLUMNS =
  'id, alert_id, organization_code, type, seizure_id, comment, observed_at, created_at, automatic';

/**
 * The feedback loop's storage. Addressees are materialised per alert (alert_addressees) by the
 * record write itself: the members on the route who may read the version just written, so the
 * inbox, the measures and the escalation agree on one list, and a revision that moves the route or
 * narrows the handling changes it in the same transaction (syncAddressees). Feedback is written
 * once per (alert, organization, type, seizure), with its notice to the originator's
 * subscriptions and its audit entry in the same transaction.
 */
@Injectable()
export class AlertFeedbackStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Alerts named by hub id or by reference (of any originator: the caller filters by the handling rule). */
  async alertsNamed(names: readonly string[]): Promise<IntelligenceRecordEntity[]> {
    const ids = names.filter((name) => UUID.test(name)).map((name) => name.toLowerCase());
    return this.dataSource
      .getRepository(IntelligenceRecordEntity)
      .createQueryBuilder('record')
      .where("record.type = 'alert'")
      .andWhere('(record.id = ANY(:ids::uuid[]) OR record.reference = ANY(:names::text[]))', {
        ids,
        names: [...names],
      })
      .orderBy('record.id')
      .getMany();
  }

  /** Active members registered in these countries: the candidates for addressee (the rule then decides). */
  async membersIn(
    countries: readonly string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<OrganizationProfileRow[]> {
    if (countries.length === 0) return [];
    const rows = await queryPrepared<{
      id: string;
      code: string;
      kind: OrganizationKind;
      country: string | null;
      region: RegionCode | null;
      operations: string[];
    }>(
      manager,
      `SELECT o.id, o.code, o.kind, o.country, o.region,
              ${operationCodesOf('o.id')} AS operations
         FROM organizations o
        WHERE o.kind = 'member' AND o.status = 'active' AND o.country = ANY($1::text[])
        ORDER BY o.code`,
      [[...countries]],
    );
    return rows.map((row) => ({
      id: row.id,
      code: row.code,
      kind: row.kind,
      ...(row.country ? { country: row.country } : {}),
      ...(row.region ? { region: row.region } : {}),
      operations: row.operations,
    }));
  }

  /**
   * Makes the alert's addressees these and no others (a revision), keeping the position of those
   * that stay; sets the acknowledgement deadline the version carries.
   */
  async syncAddressees(
    manager: EntityManager,
    alertId: string,
    addressees: readonly AlertAddressee[],
    deadline: AcknowledgementDeadline | null,
  ): Promise<void> {
    await manager.query(
      `WITH wanted AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[]) AS w (organization_id, code, country)
       ), removed AS (
         DELETE FROM alert_addressees a
          WHERE a.alert_id = $1 AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.organization_id = a.organization_id)
       )
       INSERT INTO alert_addressees (alert_id, organization_id, organization_code, country)
       SELECT $1, organization_id, code, country FROM wanted
       ON CONFLICT ON CONSTRAINT alert_addressees_once DO NOTHING`,
      [
        alertId,
        addressees.map((addressee) => addressee.organizationId),
        addressees.map((addressee) => addressee.code),
        addressees.map((addressee) => addressee.country),
      ],
    );
    await manager.query(
      'UPDATE intelligence_records SET acknowledge_within = $2, acknowledge_due_at = $3 WHERE id = $1',
      [alertId, deadline?.within ?? null, deadline?.dueAt ?? null],
    );
  }

  /**
   * A page of the alerts addressed to an organization, newest first, below `before`. Only rows of
   * transactions older than every running one are served: a row committed later has a later
   * position than any served, so walking down never skips one (new rows appear above the first page).
   */
  async inbox(
    organizationId: string,
    status: InboxStatus,
    before: InboxPosition | null,
    limit: number,
  ): Promise<InboxEntry[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        tx_id: string;
        addressed_at: Date;
        alert: PublishedRecord;
        acknowledged_at: Date | null;
        types: FeedbackType[] | null;
      }[]
    >(
      `WITH snapshot AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT a.id, a.tx_id::text AS tx_id, a.addressed_at, v.record AS alert, ack.acknowledged_at, ack.types
         FROM alert_addressees a
         JOIN intelligence_records r ON r.id = a.alert_id AND r.status = 'active'
         JOIN intelligence_record_versions v ON v.record_id = r.id AND v.version = r.version
         LEFT JOIN LATERAL (
           SELECT min(f.created_at) AS acknowledged_at, array_agg(DISTINCT f.type) AS types
             FROM alert_feedback f WHERE f.alert_id = a.alert_id AND f.organization_id = a.organization_id
         ) ack ON true
        WHERE a.organization_id = $1
          AND a.tx_id < (SELECT xmin FROM snapshot)
          AND ($2::xid8 IS NULL OR (a.tx_id, a.id) < ($2::xid8, $3::bigint))
          AND ($5::text = 'all' OR ($5::text = 'acknowledged') = (ack.acknowledged_at IS NOT NULL))
        ORDER BY a.tx_id DESC, a.id DESC
        LIMIT $4`,
      [organizationId, before?.txId ?? null, before?.id ?? null, limit, status],
    );
    return rows.map((row) => ({
      position: { txId: row.tx_id, id: row.id },
      addressedAt: row.addressed_at,
      alert: row.alert,
      acknowledgedAt: row.acknowledged_at,
      feedbackTypes: row.types ?? [],
    }));
  }

  /**
   * Writes a feedback entry once: the same (alert, organization, type, seizure) again returns the
   * stored entry. A new entry's notice goes to the subscriptions `notice` names, and `audit` is
   * written either way, all in the caller's transaction if it passes one.
   */
  async record(
    write: FeedbackWrite,
    notice: (entry: AlertFeedbackEntry) => NoticeFanOut | null,
    audit: (entry: AlertFeedbackEntry, created: boolean) => AuditEntry,
    manager?: EntityManager,
  ): Promise<{ created: boolean; entry: AlertFeedbackEntry }> {
    const work = async (tx: EntityManager): Promise<{ created: boolean; entry: AlertFeedbackEntry }> => {
      // Before the feedback row: its notice's feed entries are stamped with the transaction's id.
      await takeFeedWriteStamp(tx);
      const inserted = await tx.query<RawFeedback[]>(
        `INSERT INTO alert_feedback
           (id, alert_id, organization_id, organization_code, type, seizure_id, comment, observed_at, automatic)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT alert_feedback_once DO NOTHING
         RETURNING ${FEEDBACK_COLUMNS}`,
        [
          write.id,
          write.alertId,
          write.organizationId,
          write.organizationCode,
          write.type,
          write.seizureId,
          write.comment,
          write.observedAt,
          write.automatic,
        ],
      );
      const created = inserted.length > 0;
      const [row] = created
        ? inserted
        : await tx.query<RawFeedback[]>(
            `SELECT ${FEEDBACK_COLUMNS} FROM alert_feedback
              WHERE alert_id = $1 AND organization_id = $2 AND type = $3 AND seizure_id IS NOT DISTINCT FROM $4`,
            [write.alertId, write.organizationId, write.type, write.seizureId],
          );
      const entry = entryOf(row);
      if (created) {
        const fanOut = notice(entry);
        if (fanOut) await this.appendNotice(tx, fanOut);
      }
      await appendAudit(tx, [audit(entry, created)]);
      return { created, entry };
    };
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  /** Every feedback entry on an alert, oldest first. */
  async entries(alertId: string, organizationId?: string): Promise<AlertFeedbackEntry[]> {
    const rows = await this.dataSource.query<RawFeedback[]>(
      `SELECT ${FEEDBACK_COLUMNS} FROM alert_feedback
        WHERE alert_id = $1 AND ($2::uuid IS NULL OR organization_id = $2)
        ORDER BY created_at, id`,
      [alertId, organizationId ?? null],
    );
    return rows.map(entryOf);
  }

  /** Entries per feedback type on an alert (every type present, zero included). */
  async counts(alertId: string): Promise<Record<FeedbackType, number>> {
    const rows = await this.dataSource.query<{ type: FeedbackType; count: number }[]>(
      'SELECT type, count(*)::int AS count FROM alert_feedback WHERE alert_id = $1 GROUP BY type',
      [alertId],
    );
    const counts: Record<FeedbackType, number> = {
      received: 0,
      'checked-no-find': 0,
      hit: 0,
      'false-positive': 0,
      'not-relevant': 0,
    };
    for (const row of rows) counts[row.type] = row.count;
    return counts;
  }

  /** Addressees, how many acknowledged, and how fast the first did. */
  async measures(alertId: string): Promise<AlertAcknowledgementMeasures> {
    const [row] = await this.dataSource.query<
      {
        addressees: number;
        acknowledged: number;
        first_seconds: number | null;
        acknowledge_within: string | null;
        acknowledge_due_at: Date | null;
        escalated_at: Date | null;
      }[]
    >(
      `SELECT (SELECT count(*)::int FROM alert_addressees a WHERE a.alert_id = r.id) AS addressees,
              (SELECT count(*)::int FROM alert_addressees a
                WHERE a.alert_id = r.id
                  AND EXISTS (SELECT 1 FROM alert_feedback f
                               WHERE f.alert_id = r.id AND f.organization_id = a.organization_id)) AS acknowledged,
              (SELECT extract(epoch FROM min(f.created_at) - r.created_at)::float8
                 FROM alert_feedback f JOIN alert_addressees a
                   ON a.alert_id = f.alert_id AND a.organization_id = f.organization_id
                WHERE f.alert_id = r.id) AS first_seconds,
              r.acknowledge_within, r.acknowledge_due_at,
              (SELECT e.escalated_at FROM alert_escalations e WHERE e.alert_id = r.id AND e.event_id IS NOT NULL)
                AS escalated_at
         FROM intelligence_records r WHERE r.id = $1`,
      [alertId],
    );
    return {
      addressees: row?.addressees ?? 0,
      acknowledged: row?.acknowledged ?? 0,
      secondsToFirstAcknowledgement: row?.first_seconds ?? null,
      acknowledgeWithin: row?.acknowledge_within ?? null,
      dueAt: row?.acknowledge_due_at?.toISOString() ?? null,
      escalatedAt: row?.escalated_at?.toISOString() ?? null,
    };
  }

  /** Appends a notice to the feeds of the subscriptions that take it (and their deliveries). */
  async appendNotice(manager: EntityManager, fanOut: NoticeFanOut): Promise<number> {
    if (fanOut.organizationCodes.length === 0) return 0;
    const subscriptions = await manager.query<
      { id: string; delivery_type: 'pull' | 'webhook'; filter: SubscriptionFilter }[]
    >(
      // Like the router: paused subscriptions keep receiving, deleted ones and suspended owners not.
      `SELECT s.id, s.delivery_type, s.filter FROM subscriptions s JOIN organizations o ON o.id = s.organization_id
        WHERE o.code = ANY($1::text[]) AND o.status <> 'suspended' AND s.status <> 'deleted'
          AND s.filter -> 'types' ? $2`,
      [[...fanOut.organizationCodes], fanOut.kind],
    );
    const matches: FeedMatch[] = subscriptions
      .filter((subscription) => fanOut.accepts(subscription.filter))
      .map((subscription) => ({
        subscriptionId: subscription.id,
        webhook: subscription.delivery_type === 'webhook',
        eventId: fanOut.event.id,
        recordId: fanOut.alertId,
        recordVersion: fanOut.alertVersion,
        eventType: fanOut.event.type,
        event: fanOut.event,
      }));
    return appendMatches(manager, matches, channelsFor(matches));
  }
}
