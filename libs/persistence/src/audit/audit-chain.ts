import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SqlExecutor } from './audit-trail';

/**
 * The fields of an audit entry its link hashes, each with the SQL that reads it as text the same
 * way every time (UTC microseconds, jsonb's own normalized text). A new column of audit_events is
 * covered by adding one line here; a field that is NULL is left out of the encoding, so the
 * entries written before the column existed keep their hashes.
 */
export const AUDIT_CHAINED_FIELDS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['id', 'a.id::text'],
  ['tx_id', 'a.tx_id::text'],
  ['occurred_at', `to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`],
  ['request_id', 'a.request_id'],
  ['actor_type', 'a.actor_type'],
  ['actor_id', 'a.actor_id::text'],
  ['actor_code', 'a.actor_code'],
  ['actor_kind', 'a.actor_kind'],
  ['action', 'a.action'],
  ['outcome', 'a.outcome'],
  ['status_code', 'a.status_code::text'],
  ['resource_type', 'a.resource_type'],
  ['resource_id', 'a.resource_id'],
  ['record_ids', 'a.record_ids::text'],
  ['event_ids', 'a.event_ids::text'],
  ['detail', 'a.detail::text'],
  ['dedupe_key', 'a.dedupe_key'],
  ['client_request_id', 'a.client_request_id'],
];

/** The previous hash of the first link. */
export const AUDIT_CHAIN_GENESIS = '0'.repeat(64);

/** One entry's fields as text, by AUDIT_CHAINED_FIELDS' names (NULL: null). */
export type ChainedFields = Record<string, string | null>;

/** SHA-256 (hex) over the previous link's hash and the entry's present fields, in the list's order. */
export function auditLinkHash(previousHash: string, fields: ChainedFields): string {
  const present = AUDIT_CHAINED_FIELDS.flatMap(([name]) =>
    fields[name] === null || fields[name] === undefined ? [] : [[name, fields[name]]],
  );
  return createHash('sha256')
    .update(`${previousHash}\n${JSON.stringify(present)}`)
    .digest('hex');
}

const SELECTED_FIELDS = AUDIT_CHAINED_FIELDS.map(([name, sql]) => `${sql} AS "f_${name}"`).join(', ');

function fieldsOf(row: Record<string, string | null>): ChainedFields {
  return Object.fromEntries(AUDIT_CHAINED_FIELDS.map(([name]) => [name, row[`f_${name}`] ?? null]));
}

/** Any 64-bit constant: the one chainer at a time, whichever service or instance runs it. */
const CHAINER_LOCK = 7_265_734_221_004_117;

/** Where verification stopped: the first link that does not hold. */
export interface BrokenLink {
  position: string;
  /** The audit entry the link names (null when the link itself is missing). */
  entryId: string | null;
  reason: 'entry-missing' | 'entry-changed' | 'link-changed' | 'link-missing' | 'entry-unchained';
  expected: string;
  found: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Links checked (all of them when ok). */
  verified: number;
  /** The last link's hash: compare it with a copy kept elsewhere to detect a rewritten chain. */
  headHash: string;
  /** Entries not chained yet (committed after the chainer's last round, or still running). */
  pending: number;
  broken: BrokenLink | null;
}

interface LinkRow {
  position: string;
  link_event_id: string;
  prev_hash: string;
  entry_hash: string;
  event_id: string | null;
  [field: string]: string | null;
}

/**
 * The hash chain over the audit trail. Entries are linked after they commit, by one chainer at a
 * time (a transaction-scoped advisory lock), in the trail's commit-safe order (tx_id, id) below
 * the oldest running transaction: appending stays one INSERT in the writer's transaction with no
 * lock shared by every writer of the hub (the router appends in its latency-critical feed
 * transaction), and the order of the links never depends on which transaction commits first. An
 * entry is verifiable once chained, normally within the chainer's interval. Links live in
 * audit_chain, as append-only as the trail; the services may insert and read both, never change.
 */
@Injectable()
export class AuditChain {
  constructor(private readonly dataSource: DataSource) {}

  /** Links up to `limit` committed entries; returns how many (0 when another chainer holds the lock). */
  async extend(limit: number): Promise<{ linked: number; heldBack: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const [lock] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [CHAINER_LOCK],
      );
      if (!lock.locked) return { linked: 0, heldBack: false };
      const [head] = await manager.query<{ position: string; entry_hash: string }[]>(
        // The column, not the text alias: '9' sorts after '10'.
        'SELECT c.position::text, c.entry_hash FROM audit_chain c ORDER BY c.position DESC LIMIT 1',
      );
      const reached = await chainedSoFar(manager);
      // Entries written with a transaction id older than what is chained (a writer may set tx_id)
      // would never be reached by the walk below: they are found by their fresh ids, linked first.
      const backdated = reached
        ? await manager.query<Record<string, string | null>[]>(
            `SELECT ${SELECTED_FIELDS}
               FROM audit_events a
              WHERE a.id > $2::bigint AND (a.tx_id, a.id) < ($3::xid8, $4::bigint)
                AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = a.id)
              ORDER BY a.tx_id, a.id
              LIMIT $1`,
            [limit, reached.maxEventId, reached.txId, reached.eventId],
          )
        : [];
      const after = reached ? 'AND (a.tx_id, a.id) > ($2::xid8, $3::bigint)' : '';
      const rows = await manager.query<Record<string, string | null>[]>(
        `SELECT ${SELECTED_FIELDS}, a.tx_id < pg_snapshot_xmin(pg_current_snapshot()) AS settled
           FROM audit_events a
          WHERE true ${after}
          ORDER BY a.tx_id, a.id
          LIMIT $1`,
        reached ? [limit - backdated.length, reached.txId, reached.eventId] : [limit],
      );
      // Only the prefix below every running transaction: nothing can commit before it any more.
      const settled = rows.filter((row) => (row.settled as unknown) === true);
      const links = chainLinks(head ?? null, [...backdated, ...settled].map(fieldsOf));
      if (links.length) await insertLinks(manager, links);
      return { linked: links.length, heldBack: settled.length < rows.length };
    });
  }

  /** Walks the whole chain in position order, a page at a time; stops at the first broken link. */
  async verify(onProgress?: (verified: number) => void, pageSize = 2000): Promise<ChainVerification> {
    let previous = AUDIT_CHAIN_GENESIS;
    let expectedPosition = 1n;
    let verified = 0;
    const result = (broken: BrokenLink | null, pending: number): ChainVerification => ({
      ok: broken === null,
      verified,
      headHash: previous,
      pending,
      broken,
    });
    for (;;) {
      const page = await this.dataSource.query<LinkRow[]>(
        `SELECT c.position::text, c.event_id::text AS link_event_id, c.prev_hash, c.entry_hash,
                a.id::text AS event_id, ${SELECTED_FIELDS}
           FROM audit_chain c LEFT JOIN audit_events a ON a.id = c.event_id
          WHERE c.position >= $1
          ORDER BY c.position
          LIMIT $2`,
        [String(expectedPosition), pageSize],
      );
      for (const row of page) {
        const broken = checkLink(row, expectedPosition, previous);
        if (broken) return result(broken, 0);
        previous = row.entry_hash;
        expectedPosition += 1n;
        verified += 1;
      }
      onProgress?.(verified);
      if (page.length < pageSize) break;
    }
    // An entry below what is chained that is not chained itself was slipped in behind the chainer's
    // back (with an id below the chain's: the chainer links backdated entries with fresh ids).
    const reached = await chainedSoFar(this.dataSource);
    const last = reached ? { txId: reached.txId, id: reached.eventId } : null;
    const [behind] = await this.dataSource.query<{ id: string }[]>(
      `SELECT a.id::text FROM audit_events a
        WHERE ($1::xid8 IS NOT NULL AND (a.tx_id, a.id) <= ($1::xid8, $2::bigint))
          AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = a.id)
        ORDER BY a.tx_id, a.id LIMIT 1`,
      [last?.txId ?? null, last?.id ?? null],
    );
    if (behind) {
      return result(
        {
          position: String(expectedPosition),
          entryId: behind.id,
          reason: 'entry-unchained',
          expected: 'an entry older than the head is chained',
          found: 'not chained',
        },
        0,
      );
    }
    const [pending] = await this.dataSource.query<{ count: string }[]>(
      `SELECT count(*)::text AS count FROM audit_events a
        WHERE $1::xid8 IS NULL OR (a.tx_id, a.id) > ($1::xid8, $2::bigint)`,
      [last?.txId ?? null, last?.id ?? null],
    );
    return result(null, Number(pending.count));
  }
}

/** How far the chain reached in the trail's order, and the highest entry id it links. */
async function chainedSoFar(
  executor: SqlExecutor,
): Promise<{ txId: string; eventId: string; maxEventId: string } | null> {
  const [reached] = (await executor.query(
    `SELECT c.tx_id::text AS "txId", c.event_id::text AS "eventId",
            (SELECT max(event_id) FROM audit_chain)::text AS "maxEventId"
       FROM audit_chain c ORDER BY c.tx_id DESC, c.event_id DESC LIMIT 1`,
  )) as { txId: string; eventId: string; maxEventId: string }[];
  return reached ?? null;
}

interface NewLink {
  position: string;
  eventId: string;
  txId: string;
  prevHash: string;
  entryHash: string;
}

function chainLinks(
  head: { position: string; entry_hash: string } | null,
  entries: ChainedFields[],
): NewLink[] {
  let position = head ? BigInt(head.position) : 0n;
  let previous = head?.entry_hash ?? AUDIT_CHAIN_GENESIS;
  return entries.map((fields) => {
    position += 1n;
    const entryHash = auditLinkHash(previous, fields);
    const link = {
      position: String(position),
      eventId: fields.id!,
      txId: fields.tx_id!,
      prevHash: previous,
      entryHash,
    };
    previous = entryHash;
    return link;
  });
}

function insertLinks(executor: SqlExecutor, links: readonly NewLink[]): Promise<unknown> {
  return executor.query(
    `INSERT INTO audit_chain (position, event_id, tx_id, prev_hash, entry_hash)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::xid8[], $4::char(64)[], $5::char(64)[])`,
    [
      links.map((link) => link.position),
      links.map((link) => link.eventId),
      links.map((link) => link.txId),
      links.map((link) => link.prevHash),
      links.map((link) => link.entryHash),
    ],
  );
}

function checkLink(row: LinkRow, expectedPosition: bigint, previous: string): BrokenLink | null {
  const at = { position: String(expectedPosition), entryId: row.link_event_id };
  if (row.position !== String(expectedPosition)) {
    return {
      ...at,
      entryId: null,
      reason: 'link-missing',
      expected: `position ${expectedPosition}`,
      found: `position ${row.position}`,
    };
  }
  if (row.prev_hash !== previous) {
    return { ...at, reason: 'link-changed', expected: previous, found: row.prev_hash };
  }
  if (row.event_id === null) {
    return { ...at, reason: 'entry-missing', expected: row.entry_hash, found: 'no entry' };
  }
  const hash = auditLinkHash(previous, fieldsOf(row));
  if (hash !== row.entry_hash)
    return { ...at, reason: 'entry-changed', expected: row.entry_hash, found: hash };
  return null;
}
