import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runPrepared, type StatementTarget } from '../statements';

/** Everything the hub audits. Refused attempts carry the action the caller tried. */
export const AUDIT_ACTIONS = [
  'record.submitted',
  'record.replayed',
  'record.revised',
  'record.withdrawn',
  'record.read',
  'record.listed',
  'feed.read',
  'subscription.created',
  'subscription.updated',
  'subscription.deleted',
  'subscription.secret-rotated',
  'subscription.resumed',
  'subscription.read',
  'subscription.listed',
  'delivery.listed',
  'delivery.retried',
  'delivery.delivered',
  'regional-stream.published',
  'event.dead-lettered',
  'organization.registered',
  'organization.listed',
  'organization.suspended',
  'organization.reinstated',
  'api-key.issued',
  'api-key.listed',
  'api-key.revoked',
  'stream-credential.issued',
  'stream-credential.listed',
  'stream-credential.revoked',
  'operator.issued',
  'operator.listed',
  'operator.revoked',
  'audit.read',
  'audit.verified',
  'operation.created',
  'operation.updated',
  'operation.closed',
  'operation.read',
  'operation.listed',
  'operation.report-read',
  // The feedback loop (issue 16).
  'feedback.submitted',
  'feedback.replayed',
  'feedback.listed',
  'inbox.read',
  'alert.escalated',
  'escalation.listed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_RESOURCE_TYPES = [
  'alert',
  'seizure',
  'subscription',
  'delivery',
  'regional-stream',
  'canonical-event',
  'organization',
  'api-key',
  'stream-credential',
  'operator',
  'audit',
  'operation',
] as const;
export type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];

export const AUDIT_OUTCOMES = ['success', 'refused'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Who acted: an organization (by its API key), an operator (`operator:<name>`, by a personal
 * token; `operator:bootstrap` by HUB_ADMIN_TOKEN), a hub service
 * (the router publishing to a regional stream), or an unauthenticated caller (refusals only).
 */
export interface AuditActor {
  type: 'organization' | 'operator' | 'service' | 'anonymous';
  id?: string | null;
  code?: string | null;
  kind?: string | null;
}

export interface AuditEntry {
  action: AuditAction;
  actor: AuditActor;
  /** The server's id of the request (never the caller's). */
  requestId?: string | null;
  /** The caller's own well-formed `x-request-id`, kept beside the server's for correlation. */
  clientRequestId?: string | null;
  outcome?: AuditOutcome;
  /** The HTTP status answered (refusals), when there was one. */
  statusCode?: number | null;
  resourceType: AuditResourceType;
  resourceId?: string | null;
  /** The records concerned: read, written, delivered or published. */
  recordIds?: readonly string[];
  eventIds?: readonly string[];
  detail?: Record<string, unknown>;
  /** Set for work that may be repeated after a crash: the entry is then written once. */
  dedupeKey?: string | null;
}

/** A stored entry, as the secretariat reads it. */
export interface AuditRow {
  position: { txId: string; id: string };
  occurredAt: Date;
  requestId: string | null;
  clientRequestId: string | null;
  actor: Required<AuditActor>;
  action: AuditAction;
  outcome: AuditOutcome;
  statusCode: number | null;
  resourceType: AuditResourceType;
  resourceId: string | null;
  recordIds: string[];
  eventIds: string[];
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  actorCode?: string;
  action?: AuditAction;
  recordId?: string;
  outcome?: AuditOutcome;
  since?: Date;
  until?: Date;
  after?: { txId: string; id: string } | null;
  limit: number;
}

/** Anything that runs SQL: the data source, or the entity manager or query runner of a transaction. */
export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** The columns written by every insert into the trail, in this order. */
export const AUDIT_COLUMNS =
  'request_id, client_request_id, actor_type, actor_id, actor_code, actor_kind, action, outcome, status_code, resource_type, resource_id, record_ids, event_ids, detail, dedupe_key';

function asJson(entry: AuditEntry): Record<string, unknown> {
  return {
    request_id: entry.requestId ?? null,
    client_request_id: entry.clientRequestId ?? null,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id ?? null,
    actor_code: entry.actor.code ?? null,
    actor_kind: entry.actor.kind ?? null,
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    status_code: entry.statusCode ?? null,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId ?? null,
    record_ids: [...(entry.recordIds ?? [])],
    event_ids: [...(entry.eventIds ?? [])],
    detail: entry.detail ?? {},
    dedupe_key: entry.dedupeKey ?? null,
  };
}

/**
 * Appends entries to the trail in one statement, whatever their number, on the given executor:
 * inside a write's transaction the entry commits or rolls back with the write. Entries with a
 * dedupe key already written are skipped.
 */
export async function appendAudit(executor: StatementTarget, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await runPrepared(executor, auditInsert('$1'), [auditParameter(entries)]);
}

/**
 * The INSERT that appendAudit runs, for a statement that writes its entries with other rows
 * (e.g. in a CTE): `parameter` holds auditParameter(entries), `condition` filters the entries.
 */
export function auditInsert(parameter: string, condition = 'true'): string {
  return `INSERT INTO audit_events (${AUDIT_COLUMNS})
     SELECT ${AUDIT_COLUMNS}
       FROM jsonb_to_recordset(${parameter}::jsonb) AS e(
         request_id varchar, client_request_id varchar, actor_type varchar, actor_id uuid, actor_code varchar, actor_kind varchar,
         action varchar, outcome varchar, status_code smallint, resource_type varchar, resource_id varchar,
         record_ids uuid[], event_ids uuid[], detail jsonb, dedupe_key varchar)
      WHERE ${condition}
     ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`;
}

export function auditParameter(entries: readonly AuditEntry[]): string {
  return JSON.stringify(entries.map(asJson));
}

interface RawAuditRow {
  id: string;
  tx_id: string;
  occurred_at: Date;
  request_id: string | null;
  client_request_id: string | null;
  actor_type: AuditActor['type'];
  actor_id: string | null;
  actor_code: string | null;
  actor_kind: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  status_code: number | null;
  resource_type: AuditResourceType;
  resource_id: string | null;
  record_ids: string[];
  event_ids: string[];
  detail: Record<string, unknown>;
}

/**
 * The append-only audit trail (a trigger refuses UPDATE, DELETE and TRUNCATE). Writes are
 * audited by their stores in the write's own transaction, through `appendAudit`; reads are
 * audited here, one statement per request.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly dataSource: DataSource) {}

  append(entries: readonly AuditEntry[]): Promise<void> {
    return appendAudit(this.dataSource, entries);
  }

  /**
   * A page of entries in commit-safe order: only rows of transactions older than every running
   * one, by (tx_id, id), so paging never skips a row that commits late.
   */
  async page(filter: AuditFilter): Promise<AuditRow[]> {
    const conditions = ['tx_id < pg_snapshot_xmin(pg_current_snapshot())'];
    const parameters: unknown[] = [];
    const bind = (value: unknown): string => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    if (filter.after) {
      conditions.push(`(tx_id, id) > (${bind(filter.after.txId)}::xid8, ${bind(filter.after.id)}::bigint)`);
    }
    if (filter.actorCode) conditions.push(`actor_code = ${bind(filter.actorCode)}`);
    if (filter.action) conditions.push(`action = ${bind(filter.action)}`);
    if (filter.outcome) conditions.push(`outcome = ${bind(filter.outcome)}`);
    if (filter.recordId) conditions.push(`record_ids @> ARRAY[${bind(filter.recordId)}::uuid]`);
    if (filter.since) conditions.push(`occurred_at >= ${bind(filter.since)}`);
    if (filter.until) conditions.push(`occurred_at < ${bind(filter.until)}`);
    const rows = await this.dataSource.query<RawAuditRow[]>(
      `SELECT id::text AS id, tx_id::text AS tx_id, occurred_at, request_id, client_request_id, actor_type, actor_id, actor_code,
              actor_kind, action, outcome, status_code, resource_type, resource_id, record_ids, event_ids, detail
         FROM audit_events a
        WHERE ${conditions.join(' AND ')}
        ORDER BY a.tx_id, a.id -- the columns: bare names would sort the text aliases ('10' < '9')
        LIMIT ${bind(filter.limit)}`,
      parameters,
    );
    return rows.map((row) => ({
      position: { txId: row.tx_id, id: row.id },
      occurredAt: row.occurred_at,
      requestId: row.request_id,
      clientRequestId: row.client_request_id,
      actor: { type: row.actor_type, id: row.actor_id, code: row.actor_code, kind: row.actor_kind },
      action: row.action,
      outcome: row.outcome,
      statusCode: row.status_code,
      resourceType: row.resource_type,
      resourceId: row.resource_id,
      recordIds: row.record_ids,
      eventIds: row.event_ids,
      detail: row.detail,
    }));
  }
}
