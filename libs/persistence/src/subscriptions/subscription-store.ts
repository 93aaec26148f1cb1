import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type {
  DeliveryType,
  HubCloudEvent,
  HubEventType,
  OrganizationKind,
  PublishedRecord,
  SubscriptionFilter,
} from '@hub/contracts';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { appendMatches, channelsFor, type FeedMatch, ROUTING_LOCK_KEY } from '../feeds/feed-store';
import { operationCodesOf } from '../operations/operation-memberships.sql';
import { queryPrepared, useIndexPlans } from '../statements';

/**
 * First key of the advisory lock a create takes per organization ('hubs'), the second being a hash
 * of the organization's id: two creates at the limit count one after the other.
 */
const SUBSCRIPTION_QUOTA_LOCK = 0x68756273;

/** The organization holds as many subscriptions as it may: nothing was written. */
export class SubscriptionLimitReached extends Error {
  constructor(readonly limit: number) {
    super(`the organization holds ${limit} subscriptions, its limit`);
  }
}

export type SubscriptionStatus = 'active' | 'paused' | 'deleted';

export interface SubscriptionRow {
  id: string;
  organizationId: string;
  organizationCode: string;
  name: string;
  filter: SubscriptionFilter;
  deliveryType: DeliveryType;
  webhookUrl: string | null;
  secretCiphertext: string | null;
  status: SubscriptionStatus;
  pausedReason: string | null;
  consecutiveFailures: number;
  revision: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A subscription with its owner's profile, as the router indexes it. */
export interface SubscriptionChange extends SubscriptionRow {
  subscriberKind: OrganizationKind;
  subscriberCountry: string | null;
  subscriberRegion: string | null;
  /** Codes of the joint operations its owner takes part in (a change of participants stamps its subscriptions changed). */
  subscriberOperations: string[];
  /** Its owner is suspended: routers match nothing to it until it is reinstated. */
  subscriberSuspended: boolean;
}

export interface NewSubscriptionRow {
  id: string;
  organizationId: string;
  organizationCode: string;
  name: string;
  filter: SubscriptionFilter;
  deliveryType: DeliveryType;
  webhookUrl: string | null;
  secretCiphertext: string | null;
}

/** What a new subscription receives of the records published before it (see SubscriptionStore.create). */
export interface SubscriptionReplay {
  /** Records whose current version was written at or after this instant... */
  since: Date;
  /** ...the newest this many of those the subscription takes. */
  maxRecords: number;
  /** Whether the subscription takes a record, given its current version's event: filter and handling rule. */
  takes: (event: HubCloudEvent<PublishedRecord>) => boolean;
}

export interface ReplayOutcome {
  /** Records copied into the new feed. */
  records: number;
  /** More records would have matched: only the newest `maxRecords` were copied. */
  truncated: boolean;
}

interface ReplayCandidate {
  record_id: string;
  version: number;
  /** As PostgreSQL prints it: a Date would drop the microseconds the scan resumes at. */
  updated_at: string;
  event_id: string;
  event_type: HubEventType;
  event: HubCloudEvent<PublishedRecord>;
}

/** Records read per page of a replay scan. */
const REPLAY_PAGE = 200;

/** A replay reads at most this many records per record it may copy, so a narrow filter over a busy window stays short. */
const REPLAY_SCAN_FACTOR = 20;

interface RawSubscription {
  id: string;
  organization_id: string;
  organization_code: string;
  name: string;
  filter: SubscriptionFilter;
  delivery_type: DeliveryType;
  webhook_url: string | null;
  secret_ciphertext: string | null;
  status: SubscriptionStatus;
  paused_reason: string | null;
  consecutive_failures: number;
  revision: string;
  created_at: Date;
  updated_at: Date;
  kind?: SubscriptionChange['subscriberKind'];
  country?: string | null;
  region?: string | null;
  owner_status?: string;
  owner_operations?: string[];
}

const COLUMNS = `s.id, s.organization_id, s.organization_code, s.name, s.filter, s.delivery_type, s.webhook_url,
  s.secret_ciphertext, s.status, s.paused_reason, s.consecutive_failures, s.revision, s.created_at, s.updated_at`;

function toRow(raw: RawSubscription): SubscriptionRow {
  return {
    id: raw.id,
    organizationId: raw.organization_id,
    organizationCode: raw.organization_code,
    name: raw.name,
    filter: raw.filter,
    deliveryType: raw.delivery_type,
    webhookUrl: raw.webhook_url,
    secretCiphertext: raw.secret_ciphertext,
    status: raw.status,
    pausedReason: raw.paused_reason,
    consecutiveFailures: raw.consecutive_failures,
    revision: raw.revision,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

/**
 * Subscriptions. Every change takes a new `revision` from one sequence, so a
 * router catches up on all changes since the last one it saw with one query,
 * before each batch of events: a change applies to the next event everywhere.
 */
@Injectable()
export class SubscriptionStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Creates the subscription and its audit entry in one transaction and, with `replay`, copies into
   * its feed (and its webhook's deliveries) the current version of each earlier record it takes,
   * oldest first. The routing lock is held exclusively throughout, so no router batch runs between
   * its own look at the subscriptions and its writes meanwhile: a batch that ran before saw nothing
   * of this subscription, but its events' records were committed before the replay reads; a batch
   * after sees the subscription. Nothing falls between; what both copy is one entry per event, and
   * a version older than one already copied is never added after it (see appendMatches).
   */
  /**
   * Creates the subscription, unless its organization already holds `limit` (not deleted ones):
   * then SubscriptionLimitReached, counted under a per-organization lock so concurrent creates
   * cannot both pass.
   */
  async create(
    row: NewSubscriptionRow,
    audit: AuditEntry,
    limit: number,
    replay?: SubscriptionReplay,
  ): Promise<{ subscription: SubscriptionRow; replayed?: ReplayOutcome }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [
        SUBSCRIPTION_QUOTA_LOCK,
        row.organizationId,
      ]);
      // A statement of its own: its snapshot, taken once the lock is held, sees the creates before.
      const [{ held }] = await manager.query<{ held: number }[]>(
        `SELECT count(*)::int AS held FROM subscriptions WHERE organization_id = $1 AND status <> 'deleted'`,
        [row.organizationId],
      );
      if (held >= limit) throw new SubscriptionLimitReached(limit);
      if (replay) await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [ROUTING_LOCK_KEY]);
      const [created] = await manager.query<RawSubscription[]>(
        `INSERT INTO subscriptions AS s (id, organization_id, organization_code, name, filter, delivery_type, webhook_url, secret_ciphertext)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          row.id,
          row.organizationId,
          row.organizationCode,
          row.name,
          row.filter,
          row.deliveryType,
          row.webhookUrl,
          row.secretCiphertext,
        ],
      );
      await appendAudit(manager, [audit]);
      const subscription = toRow(created);
      if (!replay) return { subscription };
      return { subscription, replayed: await this.replayInto(manager, subscription, replay) };
    });
  }

  /**
   * Newest first through the window, keeping what the subscription takes, then written oldest first.
   * Bounded: at most `maxRecords` kept and REPLAY_SCAN_FACTOR times that many read (`truncated` then).
   */
  private async replayInto(
    manager: EntityManager,
    subscription: SubscriptionRow,
    replay: SubscriptionReplay,
  ): Promise<ReplayOutcome> {
    const taken: ReplayCandidate[] = [];
    let after: ReplayCandidate | undefined;
    let exhausted = false;
    let scanned = 0;
    while (
      taken.length < replay.maxRecords &&
      !exhausted &&
      scanned < replay.maxRecords * REPLAY_SCAN_FACTOR
    ) {
      // Withdrawn records are not replayed: a withdrawal follows a record only where it was received.
      const page = await manager.query<ReplayCandidate[]>(
        `SELECT r.id AS record_id, r.version, r.updated_at::text AS updated_at, o.event_id, o.event_type, o.event
           FROM intelligence_records r
           JOIN outbox_events o
             ON o.message_key = r.id::text AND (o.event->'data'->>'version')::int = r.version
          WHERE r.status = 'active' AND r.updated_at >= $1
            AND ($2::timestamptz IS NULL OR (r.updated_at, r.id) < ($2::timestamptz, $3::uuid))
          ORDER BY r.updated_at DESC, r.id DESC
          LIMIT $4`,
        [replay.since, after?.updated_at ?? null, after?.record_id ?? null, REPLAY_PAGE],
      );
      exhausted = page.length < REPLAY_PAGE;
      scanned += page.length;
      for (const candidate of page) {
        after = candidate;
        if (!replay.takes(candidate.event)) continue;
        taken.push(candidate);
        if (taken.length === replay.maxRecords) {
          exhausted = exhausted && candidate === page[page.length - 1];
          break;
        }
      }
    }
    const matches: FeedMatch[] = taken.reverse().map((candidate) => ({
      subscriptionId: subscription.id,
      webhook: subscription.deliveryType === 'webhook',
      eventId: candidate.event_id,
      recordId: candidate.record_id,
      recordVersion: candidate.version,
      eventType: candidate.event_type,
      event: candidate.event,
    }));
    await appendMatches(manager, matches, channelsFor(matches));
    return { records: matches.length, truncated: !exhausted };
  }

  /** Oldest first; a page: at most `limit`, after the subscription `after` (one of the organization's). */
  async listOwned(
    organizationId: string,
    page: { after?: string; limit?: number } = {},
  ): Promise<SubscriptionRow[]> {
    const rows = await this.dataSource.query<RawSubscription[]>(
      `SELECT ${COLUMNS} FROM subscriptions s WHERE s.organization_id = $1 AND s.status <> 'deleted'
          AND ($2::uuid IS NULL OR (s.created_at, s.id) >
               (SELECT created_at, id FROM subscriptions WHERE id = $2 AND organization_id = $1))
        ORDER BY s.created_at, s.id LIMIT $3`,
      [organizationId, page.after ?? null, page.limit ?? null],
    );
    return rows.map(toRow);
  }

  /** Another organization's subscription is reported as absent. */
  async findOwned(organizationId: string, id: string): Promise<SubscriptionRow | null> {
    const [row] = await queryPrepared<RawSubscription>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM subscriptions s WHERE s.id = $1 AND s.organization_id = $2 AND s.status <> 'deleted'`,
      [id, organizationId],
    );
    return row ? toRow(row) : null;
  }

  /**
   * Applies the given column changes to an owned subscription and takes a new revision; the change
   * is audited in its transaction (nothing is written, nor audited, when there is nothing to change).
   */
  async updateOwned(
    organizationId: string,
    id: string,
    changes: Partial<
      Pick<
        SubscriptionRow,
        | 'name'
        | 'filter'
        | 'deliveryType'
        | 'webhookUrl'
        | 'secretCiphertext'
        | 'status'
        | 'pausedReason'
        | 'consecutiveFailures'
      >
    >,
    audit: AuditEntry,
  ): Promise<SubscriptionRow | null> {
    const columns: Record<string, string> = {
      name: 'name',
      filter: 'filter',
      deliveryType: 'delivery_type',
      webhookUrl: 'webhook_url',
      secretCiphertext: 'secret_ciphertext',
      status: 'status',
      pausedReason: 'paused_reason',
      consecutiveFailures: 'consecutive_failures',
    };
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return this.findOwned(organizationId, id);
    const assignments = entries.map(([key], index) => `${columns[key]} = $${index + 3}`);
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<RawSubscription[]>(
        `UPDATE subscriptions AS s
            SET ${assignments.join(', ')}
          WHERE s.id = $1 AND s.organization_id = $2 AND s.status <> 'deleted'
          RETURNING ${COLUMNS}`,
        [id, organizationId, ...entries.map(([, value]) => value)],
      );
      // node-postgres answers UPDATE … RETURNING with [rows, count].
      const updated = Array.isArray(row) ? (row as RawSubscription[])[0] : row;
      if (!updated) return null;
      await appendAudit(manager, [audit]);
      return toRow(updated);
    });
  }

  /**
   * Subscriptions changed by transactions that had not finished at the previous read (`since`, a
   * transaction-id watermark; '0' for all), deleted ones included so routers drop them, in change
   * order, with their owner's profile and status (suspending or reinstating an owner stamps its
   * subscriptions changed); and the watermark for the next read. Rows may come again; applying them is idempotent.
   *
   * Read under `useIndexPlans(…, true)`: in `manager`'s transaction, which has them (a router's
   * batch, `FeedStore.appendRouted`), or in a transaction of its own.
   */
  async changesSince(
    since: string,
    manager?: EntityManager,
  ): Promise<{ changes: SubscriptionChange[]; watermark: string }> {
    if (!manager)
      return this.dataSource.transaction(async (own) => {
        await useIndexPlans(own, true);
        return this.changesSince(since, own);
      });
    // One statement, so one snapshot for the watermark and the rows (and one round trip: routers
    // ask before every batch of events). With no change it answers the watermark alone. Planned
    // once per connection, as the walk of the changed_tx index: a generic plan made under other
    // settings could not size `changed_tx >= $1` and might scan every subscription.
    const rows = await queryPrepared<RawSubscription & { watermark: string }>(
      manager,
      `WITH snapshot AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS watermark)
       SELECT snapshot.watermark, changed.*
         FROM snapshot
         LEFT JOIN (
           SELECT ${COLUMNS}, o.kind, o.country, o.region, o.status AS owner_status,
                  ${operationCodesOf('o.id')}
                    AS owner_operations
             FROM subscriptions s JOIN organizations o ON o.id = s.organization_id
            WHERE s.changed_tx >= $1::xid8
         ) changed ON true
        ORDER BY changed.revision`,
      [since],
    );
    const changes = rows
      .filter((raw) => raw.id !== null)
      .map((raw) => ({
        ...toRow(raw),
        subscriberKind: raw.kind!,
        subscriberCountry: raw.country ?? null,
        subscriberRegion: raw.region ?? null,
        subscriberOperations: raw.owner_operations ?? [],
        subscriberSuspended: raw.owner_status === 'suspended',
      }));
    return { changes, watermark: rows[0].watermark };
  }
}
