import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import {
  type AlertEscalationNotice,
  buildEscalationEvent,
  type HubNoticeEvent,
  type OrganizationKind,
  type PublishedRecord,
  type RegionCode,
  type SubscriptionFilter,
} from '@hub/contracts';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { takeFeedWriteStamp } from '../feeds/feed-store';
import { AlertFeedbackStore, type NoticeFanOut, type OrganizationProfileRow } from './alert-feedback-store';
import { operationCodesOf } from '../operations/operation-memberships.sql';

/** What the escalation rule decides from: the alert, its addressees' acknowledgements, the RILOs. */
export interface EscalationFacts {
  alert: PublishedRecord;
  acknowledgeWithin: string;
  dueAt: Date;
  addressees: { code: string; country: string; acknowledged: boolean }[];
  /** Active RILOs of the regions of the silent addressees. */
  rilos: OrganizationProfileRow[];
}

/** What to emit: the one event, to whom, and its audit entry. */
export interface EscalationPlan {
  notice: AlertEscalationNotice;
  event: HubNoticeEvent<AlertEscalationNotice>;
  /** The originator and the RILOs to notify (codes). */
  recipients: string[];
  rilos: string[];
  fanOut: Omit<NoticeFanOut, 'organizationCodes' | 'event' | 'kind'>;
  audit: AuditEntry;
}

export interface EscalationView {
  alert: string;
  escalatedAt: string;
  notice: AlertEscalationNotice;
}

/**
 * The plan for an escalation the rule decided (`decision`: the silent addressees and the RILOs to
 * tell; null when all acknowledged): one event, to the originator and those RILOs, audited as the
 * hub's own act. `accepts` is the subscription filter rule for notices.
 */
export function escalationPlan(
  facts: EscalationFacts,
  decision: { silent: string[]; rilos: string[] } | null,
  options: { hubPublicUrl: string; accepts: (filter: SubscriptionFilter) => boolean; now: Date },
): EscalationPlan | null {
  if (decision === null) return null;
  const acknowledged = facts.addressees.filter((addressee) => addressee.acknowledged).length;
  const notice: AlertEscalationNotice = {
    alert: facts.alert.id,
    originator: facts.alert.originator,
    severity: facts.alert.type === 'alert' ? facts.alert.severity : 'low',
    acknowledgeWithin: facts.acknowledgeWithin,
    dueAt: facts.dueAt.toISOString(),
    addressees: facts.addressees.length,
    acknowledged,
    silentAddressees: decision.silent,
    escalatedAt: options.now.toISOString(),
  };
  const event = buildEscalationEvent({
    id: randomUUID(),
    hubPublicUrl: options.hubPublicUrl,
    escalation: notice,
  });
  return {
    notice,
    event,
    recipients: [facts.alert.originator, ...decision.rilos],
    rilos: decision.rilos,
    fanOut: { accepts: options.accepts, alertId: facts.alert.id, alertVersion: facts.alert.version },
    audit: {
      action: 'alert.escalated',
      actor: { type: 'service', code: 'relay' },
      resourceType: 'alert',
      resourceId: facts.alert.id,
      recordIds: [facts.alert.id],
      eventIds: [event.id],
      detail: {
        silentAddressees: decision.silent,
        rilos: decision.rilos,
        acknowledged,
        addressees: facts.addressees.length,
      },
      dedupeKey: `alert.escalated:${facts.alert.id}`,
    },
  };
}

/**
 * Escalations of alerts whose acknowledgement deadline ran out. One row per alert, written with
 * the decision (emitted or not) in the transaction that emits the event: an alert is examined
 * once, whatever crashes or how many scanners run.
 */
@Injectable()
export class EscalationStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly feedback: AlertFeedbackStore,
  ) {}

  /** Active alerts past their deadline and not yet examined, the longest overdue first. */
  async due(limit: number, now: Date = new Date()): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT r.id FROM intelligence_records r
        WHERE r.acknowledge_due_at <= $1 AND r.type = 'alert' AND r.status = 'active'
          AND NOT EXISTS (SELECT 1 FROM alert_escalations e WHERE e.alert_id = r.id)
        ORDER BY r.acknowledge_due_at, r.id
        LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Examines one alert under its row lock (revisions wait, and it is still due and unexamined);
   * `decide` says what to emit, or null when every addressee acknowledged. True when an event went out.
   */
  async escalate(
    alertId: string,
    decide: (facts: EscalationFacts) => EscalationPlan | null,
    now: Date = new Date(),
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      // Before the row lock takes a transaction id: the notice's feed entries are stamped with it.
      await takeFeedWriteStamp(manager);
      const [alert] = await manager.query<
        { record: PublishedRecord; acknowledge_within: string; acknowledge_due_at: Date }[]
      >(
        `SELECT v.record, r.acknowledge_within, r.acknowledge_due_at
           FROM intelligence_records r
           JOIN intelligence_record_versions v ON v.record_id = r.id AND v.version = r.version
          WHERE r.id = $1 AND r.type = 'alert' AND r.status = 'active' AND r.acknowledge_due_at <= $2
            AND NOT EXISTS (SELECT 1 FROM alert_escalations e WHERE e.alert_id = r.id)
          FOR UPDATE OF r`,
        [alertId, now],
      );
      if (!alert) return false;
      const addressees = await manager.query<{ code: string; country: string; acknowledged: boolean }[]>(
        `SELECT a.organization_code AS code, a.country,
                EXISTS (SELECT 1 FROM alert_feedback f
                         WHERE f.alert_id = a.alert_id AND f.organization_id = a.organization_id) AS acknowledged
           FROM alert_addressees a WHERE a.alert_id = $1 ORDER BY a.organization_code`,
        [alertId],
      );
      const rilos = await manager.query<
        { id: string; code: string; kind: OrganizationKind; region: RegionCode; operations: string[] }[]
      >(
        // With the operations each takes part in: an 'operation' alert is told only to RILOs in it.
        `SELECT o.id, o.code, o.kind, o.region,
                ${operationCodesOf('o.id')} AS operations
           FROM organizations o
          WHERE o.kind = 'rilo' AND o.status = 'active' AND o.region IS NOT NULL ORDER BY o.code`,
      );
      const plan = decide({
        alert: alert.record,
        acknowledgeWithin: alert.acknowledge_within,
        dueAt: alert.acknowledge_due_at,
        addressees,
        rilos,
      });
      const acknowledged = addressees.filter((addressee) => addressee.acknowledged).length;
      await manager.query(
        `INSERT INTO alert_escalations
           (alert_id, due_at, escalated_at, event_id, addressees, acknowledged, silent_addressees, rilos, event)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          alertId,
          alert.acknowledge_due_at,
          now,
          plan?.event.id ?? null,
          addressees.length,
          acknowledged,
          plan?.notice.silentAddressees ?? [],
          plan?.rilos ?? [],
          plan ? JSON.stringify(plan.event) : null,
        ],
      );
      if (!plan) return false;
      await this.feedback.appendNotice(manager, {
        ...plan.fanOut,
        kind: 'escalation',
        organizationCodes: plan.recipients,
        event: plan.event,
      });
      await appendAudit(manager, [plan.audit]);
      return true;
    });
  }

  /**
   * Escalations that emitted an event, newest first: all of them (`null`, the Secretariat), or those
   * of alerts an organization originated or was told of as a RILO.
   */
  async list(
    organizationCode: string | null,
    before: { escalatedAt: Date; alertId: string } | null,
    limit: number,
  ): Promise<EscalationView[]> {
    const rows = await this.dataSource.query<
      { alert_id: string; escalated_at: Date; event: HubNoticeEvent<AlertEscalationNotice> }[]
    >(
      `SELECT e.alert_id, e.escalated_at, e.event FROM alert_escalations e
         JOIN intelligence_records r ON r.id = e.alert_id
        WHERE e.event_id IS NOT NULL
          AND ($1::text IS NULL OR r.originator_code = $1 OR $1 = ANY(e.rilos))
          AND ($2::timestamptz IS NULL OR (e.escalated_at, e.alert_id) < ($2::timestamptz, $3::uuid))
        ORDER BY e.escalated_at DESC, e.alert_id DESC
        LIMIT $4`,
      [organizationCode, before?.escalatedAt ?? null, before?.alertId ?? null, limit],
    );
    return rows.map((row) => ({
      alert: row.alert_id,
      escalatedAt: row.escalated_at.toISOString(),
      notice: row.event.data,
    }));
  }
}
