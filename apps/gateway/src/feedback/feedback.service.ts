import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  type AlertAcknowledgementMeasures,
  type AlertEscalationNotice,
  type AlertFeedbackEntry,
  buildFeedbackEvent,
  type FeedbackType,
  isoDurationMs,
  type PublishedRecord,
  type RecordBody,
  type Severity,
  validateFeedback,
} from '@hub/contracts';
import { alertAddressees, eventFactsOf, feedbackView, mayRead, noticeFilterAccepts } from '@hub/matching';
import {
  type AcknowledgementDeadline,
  AlertFeedbackStore,
  type AlertAddressee,
  type AlsoWrite,
  type AuditEntry,
  AuditTrail,
  EscalationStore,
  type FeedbackWrite,
  type InboxStatus,
  type IntelligenceRecordEntity,
  publishedRecord,
  RecordLedger,
  type RecordRouting,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { organizationActor, requestTrace } from '../audit/audit-actor';
import type { CallerOrganization } from '../auth/caller';
import { GatewayConfig } from '../gateway.config';
import { decodePositionCursor, encodePositionCursor } from '../http/position-cursor';
import { audienceOfStored } from '../records/audience-filter';

export interface InboxItem {
  alert: PublishedRecord;
  addressedAt: string;
  acknowledged: boolean;
  acknowledgedAt: string | null;
  feedback: FeedbackType[];
}

export interface FeedbackListing {
  alert: string;
  /** `all`: every entry with its author (originator, Secretariat); `own`: the caller's entries and counts. */
  view: 'all' | 'own';
  entries: AlertFeedbackEntry[];
  counts: Record<FeedbackType, number>;
  /** Originator and Secretariat only. */
  measures?: AlertAcknowledgementMeasures;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The feedback loop at the API: who an alert is addressed to, the inbox, feedback and its notice
 * to the originator, the hits a seizure notice reports, and the escalations an organization may see.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly store: AlertFeedbackStore,
    private readonly escalationStore: EscalationStore,
    private readonly ledger: RecordLedger,
    private readonly trail: AuditTrail,
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
  ) {}

  /** An alert's addressees and acknowledgement deadline, for the version about to be written. */
  async addressing(
    originatorCode: string,
    body: RecordBody,
    routing: RecordRouting,
    createdAt: Date,
    manager?: EntityManager,
  ): Promise<{ addressees: AlertAddressee[]; acknowledgement: AcknowledgementDeadline | null }> {
    const candidates = await this.store.membersIn(routing.countries, manager);
    const chosen = alertAddressees(
      {
        originator: originatorCode,
        countries: routing.countries,
        audience: {
          originator: originatorCode,
          handling: routing.handling,
          regions: routing.regions,
          recipients: routing.recipients,
          excludeOrganizations: routing.excludeOrganizations,
          excludeCountries: routing.excludeCountries,
          ...(body.operation !== undefined ? { operation: body.operation } : {}),
        },
      },
      candidates,
    );
    return {
      addressees: chosen.map((member) => ({
        organizationId: member.id,
        code: member.code,
        country: member.country ?? '',
      })),
      acknowledgement: this.deadline(body, routing.severity, createdAt),
    };
  }

  /** The write that keeps a revised alert's addressees and deadline in step with its new version. */
  reviseAddressing(originatorCode: string, body: RecordBody, routing: RecordRouting): AlsoWrite {
    return async (manager, record) => {
      const { addressees, acknowledgement } = await this.addressing(
        originatorCode,
        body,
        routing,
        record.createdAt,
        // Inside the revision's transaction: a second connection per revision would exhaust the
        // pool under concurrent revisions (each holding one, waiting for another).
        manager,
      );
      await this.store.syncAddressees(manager, record.id, addressees, acknowledgement);
    };
  }

  private deadline(
    body: RecordBody,
    severity: Severity | null,
    createdAt: Date,
  ): AcknowledgementDeadline | null {
    const within =
      ('acknowledgeWithin' in body ? body.acknowledgeWithin : undefined) ??
      (severity ? this.defaultWithin(severity) : undefined);
    const ms = within ? isoDurationMs(within) : null;
    return within && ms !== null ? { within, dueAt: new Date(createdAt.getTime() + ms) } : null;
  }

  private defaultWithin(severity: Severity): string | undefined {
    const configured = {
      critical: this.config.ACKNOWLEDGE_WITHIN_CRITICAL,
      high: this.config.ACKNOWLEDGE_WITHIN_HIGH,
      medium: this.config.ACKNOWLEDGE_WITHIN_MEDIUM,
      low: this.config.ACKNOWLEDGE_WITHIN_LOW,
    }[severity];
    return configured === 'none' ? undefined : configured;
  }

  /**
   * The `hit` feedback a seizure notice reports, from the seizing organization, for each alert its
   * `relatedAlerts` names (by hub id, or by reference among the alerts it may read) that it may
   * read; once per (seizure, alert). Undefined when there is none to write.
   */
  async automaticHits(
    caller: CallerOrganization,
    relatedAlerts: readonly string[] | undefined,
  ): Promise<AlsoWrite | undefined> {
    if (!relatedAlerts || relatedAlerts.length === 0) return undefined;
    const alerts = (await this.store.alertsNamed(relatedAlerts)).filter((alert) =>
      mayRead(caller, audienceOfStored(alert)),
    );
    if (alerts.length === 0) return undefined;
    return async (manager, seizure) => {
      const observedAt =
        'seizedAt' in seizure.body && typeof seizure.body.seizedAt === 'string'
          ? new Date(seizure.body.seizedAt)
          : seizure.createdAt;
      for (const alert of alerts) {
        await this.store.record(
          {
            id: randomUUID(),
            alertId: alert.id,
            organizationId: caller.id,
            organizationCode: caller.code,
            type: 'hit',
            seizureId: seizure.id,
            comment: null,
            observedAt,
            automatic: true,
          },
          (entry) => this.noticeFor(alert, entry),
          (entry, created) => this.audit(caller, created ? 'feedback.submitted' : 'feedback.replayed', entry),
          manager,
        );
      }
    };
  }

  async submit(
    caller: CallerOrganization,
    alertId: string,
    body: unknown,
  ): Promise<{ created: boolean; entry: AlertFeedbackEntry }> {
    const alert = await this.readable(caller, alertId);
    const validated = validateFeedback(body);
    if (!validated.ok)
      throw ProblemException.invalidRequest(
        validated.violations.map((violation) => problemField(violation.field, violation.reason)),
      );
    const feedback = validated.value;
    if (feedback.seizure !== undefined) {
      const seizure = UUID.test(feedback.seizure)
        ? await this.ledger.find('seizure', feedback.seizure)
        : null;
      if (!seizure || !mayRead(caller, audienceOfStored(seizure)))
        throw ProblemException.invalidRequest([
          problemField('seizure', 'names no seizure notice you may read'),
        ]);
    }
    const write: FeedbackWrite = {
      id: randomUUID(),
      alertId: alert.id,
      organizationId: caller.id,
      organizationCode: caller.code,
      type: feedback.type,
      seizureId: feedback.seizure?.toLowerCase() ?? null,
      comment: feedback.comment ?? null,
      observedAt: feedback.observedAt ? new Date(feedback.observedAt) : new Date(),
      automatic: false,
    };
    return this.store.record(
      write,
      (entry) => this.noticeFor(alert, entry),
      (entry, created) => this.audit(caller, created ? 'feedback.submitted' : 'feedback.replayed', entry),
    );
  }

  async list(caller: CallerOrganization, alertId: string): Promise<FeedbackListing> {
    const alert = await this.readable(caller, alertId);
    const view = feedbackView(caller, publishedRecord(alert));
    const [entries, counts] = await Promise.all([
      this.store.entries(alert.id, view === 'all' ? undefined : caller.id),
      this.store.counts(alert.id),
    ]);
    const measures = view === 'all' ? await this.store.measures(alert.id) : undefined;
    await this.trail.append([
      {
        action: 'feedback.listed',
        actor: organizationActor(caller),
        ...requestTrace(caller),
        resourceType: 'alert',
        resourceId: alert.id,
        recordIds: [alert.id],
        detail: { view },
      },
    ]);
    return { alert: alert.id, view, entries, counts, ...(measures ? { measures } : {}) };
  }

  async inbox(
    caller: CallerOrganization,
    query: { status?: InboxStatus; cursor?: string; limit?: number },
  ): Promise<{ items: InboxItem[]; nextCursor: string | null }> {
    const limit = query.limit ?? 50;
    const before =
      query.cursor !== undefined
        ? decodePositionCursor(query.cursor, 'cursor', 'is not a cursor returned by this inbox')
        : null;
    const rows = await this.store.inbox(caller.id, query.status ?? 'all', before, limit);
    // The addressees were chosen by the rule when the version was written; it has the last word now.
    const readable = rows.filter((row) => mayRead(caller, eventFactsOf(row.alert).audience));
    if (readable.length > 0) {
      await this.trail.append([
        {
          action: 'inbox.read',
          actor: organizationActor(caller),
          ...requestTrace(caller),
          resourceType: 'alert',
          recordIds: readable.map((row) => row.alert.id),
          detail: { versions: readable.map((row) => row.alert.version) },
        },
      ]);
    }
    const last = rows[rows.length - 1];
    return {
      items: readable.map((row) => ({
        alert: row.alert,
        addressedAt: row.addressedAt.toISOString(),
        acknowledged: row.acknowledgedAt !== null,
        acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
        feedback: row.feedbackTypes,
      })),
      nextCursor: rows.length === limit && last ? encodePositionCursor(last.position) : null,
    };
  }

  /** The Secretariat sees every escalation; an originator those of its alerts; a RILO those it was told of. */
  async escalations(
    caller: CallerOrganization,
    query: { cursor?: string; limit?: number },
  ): Promise<{
    items: { alert: string; escalatedAt: string; escalation: AlertEscalationNotice }[];
    nextCursor: string | null;
  }> {
    const limit = query.limit ?? 50;
    const before = query.cursor !== undefined ? decodeEscalationCursor(query.cursor) : null;
    const rows = await this.escalationStore.list(
      caller.kind === 'secretariat' ? null : caller.code,
      before,
      limit,
    );
    if (rows.length > 0) {
      await this.trail.append([
        {
          action: 'escalation.listed',
          actor: organizationActor(caller),
          ...requestTrace(caller),
          resourceType: 'alert',
          recordIds: rows.map((row) => row.alert),
        },
      ]);
    }
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => ({ alert: row.alert, escalatedAt: row.escalatedAt, escalation: row.notice })),
      nextCursor:
        rows.length === limit && last
          ? Buffer.from(`${last.escalatedAt}|${last.alert}`, 'utf8').toString('base64url')
          : null,
    };
  }

  private async readable(caller: CallerOrganization, alertId: string): Promise<IntelligenceRecordEntity> {
    const alert = await this.ledger.find('alert', alertId);
    if (!alert || !mayRead(caller, audienceOfStored(alert))) throw ProblemException.notFound();
    return alert;
  }

  /** The originator's subscriptions of type `feedback` get the entry (the rule applies their filter to the alert). */
  private noticeFor(alert: IntelligenceRecordEntity, entry: AlertFeedbackEntry) {
    const current = publishedRecord(alert);
    return {
      kind: 'feedback' as const,
      organizationCodes: [alert.originatorCode],
      accepts: (filter: Parameters<typeof noticeFilterAccepts>[0]) =>
        noticeFilterAccepts(filter, 'feedback', current),
      alertId: alert.id,
      alertVersion: alert.version,
      event: buildFeedbackEvent({
        id: randomUUID(),
        hubPublicUrl: this.config.HUB_PUBLIC_URL,
        feedback: entry,
      }),
    };
  }

  private audit(
    caller: CallerOrganization,
    action: 'feedback.submitted' | 'feedback.replayed',
    entry: AlertFeedbackEntry,
  ): AuditEntry {
    return {
      action,
      actor: organizationActor(caller),
      ...requestTrace(caller),
      resourceType: 'alert',
      resourceId: entry.alert,
      recordIds: entry.seizure ? [entry.alert, entry.seizure] : [entry.alert],
      // Not the comment: it is the organization's own text.
      detail: { feedback: entry.id, type: entry.type, automatic: entry.automatic },
    };
  }
}

function decodeEscalationCursor(cursor: string): { escalatedAt: Date; alertId: string } {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const escalatedAt = new Date(at ?? '');
  // Only what the hub hands out: an instant as toISOString prints it (four-digit years: PostgreSQL
  // holds no year -271821), and a lowercase UUID.
  if (
    rest.length > 0 ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at ?? '') ||
    !id ||
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ||
    Number.isNaN(escalatedAt.getTime()) ||
    escalatedAt.toISOString() !== at ||
    Buffer.from(`${at}|${id}`, 'utf8').toString('base64url') !== cursor
  )
    throw ProblemException.invalidRequest([problemField('cursor', 'is not a cursor returned by this hub')]);
  return { escalatedAt, alertId: id };
}
