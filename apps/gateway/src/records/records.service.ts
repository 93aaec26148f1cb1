import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import stableStringify from 'safe-stable-stringify';
import {
  buildCloudEvent,
  canonicalTopicFor,
  concernedCountries,
  concernedRegions,
  EVENT_TYPES,
  type FieldViolation,
  type HubEventType,
  mergeRecordPatch,
  organizationSource,
  type PublishedRecord,
  type RecordBody,
  recordDataSchema,
  type RecordType,
  routingFacts,
  validatePatch,
  validateRecord,
} from '@hub/contracts';
import {
  exclusionFaults,
  mayRead,
  namedOrganizations,
  type NamedAudience,
  unregisteredFaults,
} from '@hub/matching';
import {
  type AuditAction,
  type AuditEntry,
  AuditTrail,
  type IntelligenceRecordEntity,
  OrganizationDirectory,
  type PendingEvent,
  publishedRecord,
  RecordLedger,
  RecordListing,
  type RecordRouting,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { organizationActor, requestTrace } from '../audit/audit-actor';
import type { CallerOrganization } from '../auth/caller';
import { FeedbackService } from '../feedback/feedback.service';
import { GatewayConfig } from '../gateway.config';
import { OperationsService } from '../operations/operations.service';
import { audienceFilterOf, audienceOfStored } from './audience-filter';
import { decodeCursor, encodeCursor } from './record-cursor';
import type { RecordListQuery } from './record-list.query';

export interface RecordPage {
  items: PublishedRecord[];
  nextCursor: string | null;
}

const EVENT_TYPE: Record<
  RecordType,
  { published: HubEventType; updated: HubEventType; withdrawn: HubEventType }
> = {
  alert: {
    published: EVENT_TYPES.alertPublished,
    updated: EVENT_TYPES.alertUpdated,
    withdrawn: EVENT_TYPES.alertWithdrawn,
  },
  seizure: {
    published: EVENT_TYPES.seizurePublished,
    updated: EVENT_TYPES.seizureUpdated,
    withdrawn: EVENT_TYPES.seizureWithdrawn,
  },
};

function invalid(violations: FieldViolation[]): ProblemException {
  return ProblemException.invalidRequest(
    violations.map((violation) => problemField(violation.field, violation.reason)),
  );
}

function submissionHash(body: RecordBody): string {
  return createHash('sha256')
    .update(stableStringify(body) ?? '')
    .digest('hex');
}

/**
 * Alerts and seizure notices: validation against the standard, routing facts
 * computed by the hub, durable writes with their events, and reads filtered by
 * the handling rule.
 */
@Injectable()
export class RecordsService {
  constructor(
    private readonly ledger: RecordLedger,
    private readonly listing: RecordListing,
    private readonly trail: AuditTrail,
    private readonly directory: OrganizationDirectory,
    private readonly operations: OperationsService,
    private readonly feedback: FeedbackService,
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
  ) {}

  async submit(
    type: RecordType,
    caller: CallerOrganization,
    body: unknown,
  ): Promise<{ created: boolean; record: PublishedRecord }> {
    const validated = validateRecord(type, body);
    if (!validated.ok) throw invalid(validated.violations);
    const value = validated.value;
    const faults = [...exclusionFaults(value, caller), ...(await this.unregistered(value))];
    if (faults.length > 0) throw invalid(faults);
    // Before anything is written: a refusal leaves the reference free.
    if (value.operation !== undefined)
      await this.operations.admitRecord(caller, value.operation, type, value);
    const at = new Date();
    let published: PublishedRecord | null = null;
    const routing = this.routing(caller, value, type);
    // Alerts: their addressees and deadline go with the record; seizures: the hits they report.
    const addressing =
      type === 'alert' ? await this.feedback.addressing(caller.code, value, routing, at) : undefined;
    const hits =
      type === 'seizure' && 'relatedAlerts' in value
        ? await this.feedback.automaticHits(caller, value.relatedAlerts)
        : undefined;
    const outcome = await this.ledger.submit(
      {
        id: randomUUID(),
        type,
        originatorId: caller.id,
        originatorCode: caller.code,
        reference: value.reference,
        body: value,
        routing,
        submissionHash: submissionHash(value),
        at,
        ...addressing,
      },
      (record) => {
        const event = this.event(record, EVENT_TYPE[type].published, value);
        published = event.event.data;
        return event;
      },
      (record, outcome) =>
        this.audit(caller, outcome === 'created' ? 'record.submitted' : 'record.replayed', record),
      hits,
    );
    if (outcome.outcome === 'conflict') {
      throw ProblemException.conflict(
        `A ${type} with reference ${value.reference} already exists with a different body; use PATCH to revise it.`,
      );
    }
    if (outcome.outcome === 'created' && published) return { created: true, record: published };
    return { created: false, record: publishedRecord(outcome.record) };
  }

  async revise(
    type: RecordType,
    caller: CallerOrganization,
    id: string,
    patch: unknown,
  ): Promise<PublishedRecord> {
    const validated = validatePatch(type, patch);
    if (!validated.ok) throw invalid(validated.violations);
    // Only the lists the patch sets: those it keeps were checked when they were written.
    const unregistered = await this.unregistered(validated.value as NamedAudience);
    // A revision may name more related alerts: their hits are written with it (once per seizure and alert).
    const patchedAlerts = (validated.value as { relatedAlerts?: string[] }).relatedAlerts;
    const hits = type === 'seizure' ? await this.feedback.automaticHits(caller, patchedAlerts) : undefined;
    const result = await this.ledger.revise<ProblemException>(type, id, (current) => {
      const refusal = this.refuseChange(caller, current);
      if (refusal) return { abort: refusal };
      const merged = mergeRecordPatch(type, current.body, validated.value);
      const revalidated = validateRecord(type, merged);
      if (!revalidated.ok) return { abort: invalid(revalidated.violations) };
      const body = revalidated.value;
      const faults = [...exclusionFaults(body, caller), ...unregistered];
      if (faults.length > 0) return { abort: invalid(faults) };
      const routing = this.routing(caller, body, type);
      return {
        next: { body, ...routing, updatedAt: new Date() },
        eventFor: (record) => this.event(record, EVENT_TYPE[type].updated, body),
        auditFor: (record) => this.audit(caller, 'record.revised', record),
        // The route or the handling may have changed: the addressees follow the new version.
        alsoWrite: type === 'alert' ? this.feedback.reviseAddressing(caller.code, body, routing) : hits,
      };
    });
    return this.outcome(result);
  }

  async withdraw(type: RecordType, caller: CallerOrganization, id: string): Promise<PublishedRecord> {
    const result = await this.ledger.revise<ProblemException>(type, id, (current) => {
      const refusal = this.refuseChange(caller, current);
      if (refusal) return { abort: refusal };
      const at = new Date();
      return {
        next: { status: 'withdrawn', withdrawnAt: at, updatedAt: at },
        eventFor: (record) => this.event(record, EVENT_TYPE[type].withdrawn),
        auditFor: (record) => this.audit(caller, 'record.withdrawn', record),
      };
    });
    return this.outcome(result);
  }

  async read(type: RecordType, caller: CallerOrganization, id: string): Promise<PublishedRecord> {
    const record = await this.ledger.find(type, id);
    if (!record || !mayRead(caller, audienceOfStored(record))) throw ProblemException.notFound();
    // Fail closed: a record is shown only once its reading is on the record.
    await this.trail.append([this.audit(caller, 'record.read', record)]);
    return publishedRecord(record);
  }

  async list(type: RecordType, caller: CallerOrganization, query: RecordListQuery): Promise<RecordPage> {
    const limit = query.limit ?? 50;
    const rows = await this.listing.page(type, audienceFilterOf(caller), {
      region: query.region,
      category: query.category,
      hsPrefix: query.hs,
      operation: query.operation,
      since: query.since ? new Date(query.since) : undefined,
      after: query.cursor !== undefined ? decodeCursor(query.cursor) : undefined,
      limit,
    });
    // The SQL scope and the rule are two statements of one policy; the rule has the last word.
    const readable = rows.filter((row) => mayRead(caller, audienceOfStored(row)));
    if (readable.length > 0) {
      await this.trail.append([
        {
          action: 'record.listed',
          actor: organizationActor(caller),
          ...requestTrace(caller),
          resourceType: type,
          recordIds: readable.map((row) => row.id),
          detail: { versions: readable.map((row) => row.version) },
        },
      ]);
    }
    const items = readable.map(publishedRecord);
    const last = rows[rows.length - 1];
    return { items, nextCursor: rows.length === limit && last ? encodeCursor(last) : null };
  }

  private audit(
    caller: CallerOrganization,
    action: AuditAction,
    record: IntelligenceRecordEntity,
  ): AuditEntry {
    return {
      action,
      actor: organizationActor(caller),
      ...requestTrace(caller),
      resourceType: record.type,
      resourceId: record.id,
      recordIds: [record.id],
      // Not the reference: it is the record's own text, and the secretariat reading the trail may not read every record.
      detail: { version: record.version },
    };
  }

  private routing(caller: CallerOrganization, body: RecordBody, type: RecordType): RecordRouting {
    const input = { originatorCountry: caller.country, originatorRegion: caller.region, record: body };
    const facts = routingFacts(body);
    return {
      regions: concernedRegions(input),
      countries: concernedCountries(input),
      hsCodes: facts.hsCodes,
      categories: facts.categories,
      handling: body.handling,
      recipients: body.recipients ?? [],
      excludeOrganizations: body.excludeOrganizations ?? [],
      excludeCountries: body.excludeCountries ?? [],
      severity: type === 'alert' && 'severity' in body ? body.severity : null,
    };
  }

  /** Organization codes in the record's lists that name no registered organization (L-1). */
  private async unregistered(record: NamedAudience): Promise<FieldViolation[]> {
    const codes = namedOrganizations(record);
    if (codes.length === 0) return [];
    const found = await this.directory.findByCodes(codes);
    return unregisteredFaults(
      record,
      new Map(found.map((organization) => [organization.code, organization.kind])),
    );
  }

  /** Only the originator changes a record; others who may read it learn that, others learn nothing. */
  private refuseChange(
    caller: CallerOrganization,
    current: IntelligenceRecordEntity,
  ): ProblemException | null {
    if (current.originatorCode !== caller.code) {
      return mayRead(caller, audienceOfStored(current))
        ? ProblemException.forbidden('Only the originator may revise or withdraw a record.')
        : ProblemException.notFound();
    }
    if (current.status === 'withdrawn') return ProblemException.conflict('The record has been withdrawn.');
    return null;
  }

  private outcome(
    result: { record: IntelligenceRecordEntity } | { abort: ProblemException } | null,
  ): PublishedRecord {
    if (!result) throw ProblemException.notFound();
    if ('abort' in result) throw result.abort;
    return publishedRecord(result.record);
  }

  /** `validatedBody`: the record's body as validateRecord accepted it in this request, if it was. */
  private event(
    record: IntelligenceRecordEntity,
    type: HubEventType,
    validatedBody?: RecordBody,
  ): PendingEvent {
    const data = publishedRecord(record);
    const event = buildCloudEvent({
      id: randomUUID(),
      type,
      source: organizationSource(this.config.HUB_PUBLIC_URL, record.originatorCode),
      dataschema: recordDataSchema(this.config.HUB_PUBLIC_URL, record.type),
      time: record.updatedAt.toISOString(),
      record: data,
      validatedBody,
    });
    return {
      id: event.id,
      type,
      topic: canonicalTopicFor(record.type),
      key: record.id,
      event,
    };
  }
}
