import { Injectable } from '@nestjs/common';
import { AuditChain, type AuditRow, AuditTrail, type ChainVerification } from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import type { CallerOrganization } from '../auth/caller';
import { organizationActor, requestTrace } from './audit-actor';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import type { AuditQuery } from './audit.query';

export interface AuditEntryView {
  id: string;
  occurredAt: string;
  requestId: string | null;
  clientRequestId: string | null;
  actor: { type: string; id: string | null; code: string | null; kind: string | null };
  action: string;
  outcome: string;
  statusCode: number | null;
  resource: { type: string; id: string | null };
  recordIds: string[];
  eventIds: string[];
  detail: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntryView[];
  nextCursor: string | null;
}

function entryView(row: AuditRow): AuditEntryView {
  return {
    id: row.position.id,
    occurredAt: row.occurredAt.toISOString(),
    requestId: row.requestId,
    clientRequestId: row.clientRequestId,
    actor: { type: row.actor.type, id: row.actor.id, code: row.actor.code, kind: row.actor.kind },
    action: row.action,
    outcome: row.outcome,
    statusCode: row.statusCode,
    resource: { type: row.resourceType, id: row.resourceId },
    recordIds: row.recordIds,
    eventIds: row.eventIds,
    detail: row.detail,
  };
}

function onlyTheSecretariat(caller: CallerOrganization): void {
  if (caller.kind !== 'secretariat') {
    throw ProblemException.forbidden('Only the WCO secretariat reads the audit trail.');
  }
}

/** The audit trail, for the WCO secretariat only; each reading of it is itself audited. */
@Injectable()
export class AuditService {
  constructor(
    private readonly trail: AuditTrail,
    private readonly chain: AuditChain,
  ) {}

  /** Walks the hash chain from its first link; the result is on the record before it is shown. */
  async verify(caller: CallerOrganization): Promise<ChainVerification> {
    onlyTheSecretariat(caller);
    const verification = await this.chain.verify();
    await this.trail.append([
      {
        action: 'audit.verified',
        actor: organizationActor(caller),
        requestId: caller.requestId,
        resourceType: 'audit',
        detail: {
          ok: verification.ok,
          verified: verification.verified,
          headHash: verification.headHash,
          ...(verification.broken ? { broken: { ...verification.broken } } : {}),
        },
      },
    ]);
    return verification;
  }

  async page(caller: CallerOrganization, query: AuditQuery): Promise<AuditPage> {
    onlyTheSecretariat(caller);
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    if (since && until && until <= since) {
      throw ProblemException.invalidRequest([problemField('until', 'must be after since')]);
    }
    const rows = await this.trail.page({
      actorCode: query.actor,
      action: query.action,
      recordId: query.recordId,
      outcome: query.outcome,
      since,
      until,
      after: query.cursor !== undefined ? decodeAuditCursor(query.cursor) : null,
      limit: query.limit ?? 100,
    });
    // Fail closed: the page is not shown unless its reading is on the record.
    await this.trail.append([
      {
        action: 'audit.read',
        actor: organizationActor(caller),
        ...requestTrace(caller),
        resourceType: 'audit',
        detail: { entries: rows.length },
      },
    ]);
    const last = rows[rows.length - 1];
    return {
      entries: rows.map(entryView),
      nextCursor: last ? encodeAuditCursor(last.position) : (query.cursor ?? null),
    };
  }
}
