import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager, In, IsNull, type Repository } from 'typeorm';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { ApiKeyEntity, type ApiKeyScope } from '../entities/api-key.entity';
import { OrganizationEntity } from '../entities/organization.entity';
import { ROUTING_LOCK_KEY } from '../feeds/feed-store';
import { ORGANIZATION_CHANNEL } from '../notify-channels';
import { apiKeyPrefix, generateApiKey, hashApiKey, looksLikeApiKey, rememberedUntil } from './api-key';
import { operationCodesOf } from '../operations/operation-memberships.sql';

export interface NewOrganization {
  code: string;
  name: string;
  kind: OrganizationEntity['kind'];
  country?: string | null;
  region?: string | null;
}

/** What an operator chooses for a new key: by default read-write and never expiring. */
export interface ApiKeyTerms {
  scope?: ApiKeyScope;
  expiresAt?: Date | null;
}

export interface IssuedApiKey {
  id: string;
  prefix: string;
  /** The key itself: returned once, never stored. */
  apiKey: string;
  createdAt: Date;
  scope: ApiKeyScope;
  expiresAt: Date | null;
}

/** A key that authenticated: its organization, and what the key may do. */
export interface AuthenticatedKey {
  keyId: string;
  scope: ApiKeyScope;
  organization: OrganizationEntity;
  /** Codes of the joint operations the organization takes part in (forgotten with the key on a change). */
  operations: string[];
}

export class DuplicateOrganizationError extends Error {}

/** What a suspension or reinstatement changed: nothing when the organization already was so. */
export interface StatusChange {
  organization: OrganizationEntity;
  changed: boolean;
  /** Pending webhook deliveries cancelled by a suspension. */
  cancelledDeliveries: number;
}

interface RawOrganization {
  key_id: string;
  key_scope: ApiKeyScope;
  key_expires_at: Date | null;
  /** Whether last_used_at is a minute old or more (or never set): this lookup records the use. */
  key_use_unrecorded: boolean;
  id: string;
  code: string;
  name: string;
  kind: OrganizationEntity['kind'];
  country: string | null;
  region: string | null;
  operations: string[];
  created_at: Date;
  status: OrganizationEntity['status'];
  suspended_at: Date | null;
  suspension_reason: string | null;
}

/** How long an authenticated API key is remembered (DatabaseSettings.apiKeyCacheMs). */
export const API_KEY_CACHE_MS = Symbol('API_KEY_CACHE_MS');
export const DEFAULT_API_KEY_CACHE_MS = 5000;

interface KnownKey extends AuthenticatedKey {
  /** Until when it is answered from memory (never past the key's own expiry). */
  expiresAt: number;
}

/** last_used_at is written at most this often per key, whatever the number of requests or gateways. */
const LAST_USED_PRECISION = '1 minute';

/** Past this many remembered keys, expired ones are swept out on the next insertion. */
const SWEEP_ABOVE = 1000;
/** How long a key digest found unknown (or revoked) is answered without a lookup. */
const UNKNOWN_KEY_MS = 60_000;
/** The most digests remembered as unknown, and as once valid; the oldest are forgotten first. */
const DIGESTS_REMEMBERED = 10_000;

/** Organizations and their API keys. */
@Injectable()
export class OrganizationDirectory {
  /**
   * Keys authenticated in the last cacheMs, by hash: every request of every organization
   * authenticates, and a lookup per request is a round trip per request. A revocation through
   * this process takes effect at once (revokeKey forgets the key); one through another process
   * within cacheMs. Unknown, revoked and expired keys are never remembered, nor a key past its expiry.
   */
  private readonly known = new Map<string, KnownKey>();
  /**
   * Digests looked up and not found, with when to forget them: the same bad key, repeated, costs one
   * lookup a minute. A key is random, so none can be issued under a digest remembered here.
   */
  private readonly unknown = new Map<string, number>();
  /** Digests of keys this process found valid: the only ones looked up for a locked-out address. */
  private readonly recognized = new Set<string>();
  /** Lookups on their way, shared by concurrent requests with the same key. */
  private readonly pending = new Map<string, Promise<KnownKey | null>>();
  /** Bumped by each revocation: a lookup that started before one does not remember its answer. */
  private revocations = 0;
  private readonly cacheMs: number;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(API_KEY_CACHE_MS) cacheMs?: number,
  ) {
    this.cacheMs = cacheMs ?? DEFAULT_API_KEY_CACHE_MS;
  }

  /** Creates the organization and its first API key in one transaction, with their audit entries. */
  async register(
    organization: NewOrganization,
    auditFor: (organization: OrganizationEntity, key: IssuedApiKey) => AuditEntry[],
  ): Promise<{ organization: OrganizationEntity; key: IssuedApiKey }> {
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOne(OrganizationEntity, { where: { code: organization.code } });
      if (existing) throw new DuplicateOrganizationError(`organization ${organization.code} exists`);
      const saved = await manager.save(
        manager.create(OrganizationEntity, {
          code: organization.code,
          name: organization.name,
          kind: organization.kind,
          country: organization.country ?? null,
          region: organization.region ?? null,
          status: 'active',
          suspendedAt: null,
          suspensionReason: null,
        }),
      );
      const key = await this.issueWith(manager.getRepository(ApiKeyEntity), saved.id, {});
      await appendAudit(manager, auditFor(saved, key));
      return { organization: saved, key };
    });
  }

  async issueKey(
    organizationId: string,
    terms: ApiKeyTerms,
    auditFor: (key: IssuedApiKey) => AuditEntry,
  ): Promise<IssuedApiKey> {
    return this.dataSource.transaction(async (manager) => {
      const key = await this.issueWith(manager.getRepository(ApiKeyEntity), organizationId, terms);
      await appendAudit(manager, [auditFor(key)]);
      return key;
    });
  }

  /**
   * Returns whether a key was revoked (false when unknown, already revoked, or another
   * organization's); a revocation is audited in its transaction.
   */
  async revokeKey(organizationId: string, keyId: string, audit: AuditEntry): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const result = await manager
          .getRepository(ApiKeyEntity)
          .update({ id: keyId, organizationId, revokedAt: IsNull() }, { revokedAt: new Date() });
        if ((result.affected ?? 0) === 0) return false;
        await appendAudit(manager, [audit]);
        await notifyOrganizationChange(manager);
        return true;
      });
    } finally {
      // Whatever the outcome (a commit whose answer was lost included), forget the key here.
      this.forget(keyId);
    }
  }

  async listKeys(organizationId: string): Promise<ApiKeyEntity[]> {
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { organizationId }, order: { createdAt: 'ASC' } });
  }

  /**
   * The organization holding this key and the key's scope, unless the key is unknown, revoked or
   * expired; remembered for cacheMs, never past the key's expiry (see `known`). `recognizedOnly` (a caller locked out for failed credentials): a key
   * this process never found valid is answered null without a lookup.
   */
  async authenticate(
    apiKey: string,
    { recognizedOnly = false }: { recognizedOnly?: boolean } = {},
  ): Promise<AuthenticatedKey | null> {
    if (!looksLikeApiKey(apiKey)) return null;
    const hash = hashApiKey(apiKey);
    const known = this.known.get(hash);
    if (known && known.expiresAt > Date.now()) return authenticated(known);
    if (recognizedOnly && !this.recognized.has(hash)) return null;
    const unknownUntil = this.unknown.get(hash);
    if (unknownUntil !== undefined && unknownUntil > Date.now()) return null;
    let lookup = this.pending.get(hash);
    if (!lookup) {
      lookup = this.lookUp(hash);
      this.pending.set(hash, lookup);
      const forget = (): void => {
        if (this.pending.get(hash) === lookup) this.pending.delete(hash);
      };
      lookup.then(forget, forget);
    }
    const found = await lookup;
    return found ? authenticated(found) : null;
  }

  private async lookUp(hash: string): Promise<KnownKey | null> {
    const revocations = this.revocations;
    // One plain statement on the unique key_hash index.
    const [row] = await this.dataSource.query<RawOrganization[]>(
      `SELECT k.id AS key_id, k.scope AS key_scope, k.expires_at AS key_expires_at,
              coalesce(k.last_used_at <= now() - interval '${LAST_USED_PRECISION}', true) AS key_use_unrecorded,
              o.id, o.code, o.name, o.kind, o.country, o.region, o.created_at,
              o.status, o.suspended_at, o.suspension_reason,
              ${operationCodesOf('o.id')} AS operations
         FROM api_keys k JOIN organizations o ON o.id = k.organization_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hash],
    );
    if (!row) {
      this.recognized.delete(hash);
      this.unknown.delete(hash);
      this.unknown.set(hash, Date.now() + UNKNOWN_KEY_MS);
      if (this.unknown.size > DIGESTS_REMEMBERED) this.unknown.delete(this.unknown.keys().next().value!);
      return null;
    }
    this.unknown.delete(hash);
    this.recognized.delete(hash);
    this.recognized.add(hash);
    if (this.recognized.size > DIGESTS_REMEMBERED)
      this.recognized.delete(this.recognized.values().next().value!);
    if (row.key_use_unrecorded) this.recordUse(row.key_id);
    const known: KnownKey = {
      keyId: row.key_id,
      scope: row.key_scope,
      operations: row.operations,
      expiresAt: rememberedUntil(Date.now(), this.cacheMs, row.key_expires_at),
      organization: Object.assign(new OrganizationEntity(), {
        id: row.id,
        code: row.code,
        name: row.name,
        kind: row.kind,
        country: row.country,
        region: row.region,
        createdAt: row.created_at,
        status: row.status,
        suspendedAt: row.suspended_at,
        suspensionReason: row.suspension_reason,
      }),
    };
    // A revocation since the lookup started may concern this key: answer, but do not remember.
    if (this.cacheMs > 0 && revocations === this.revocations) this.remember(hash, known);
    return known;
  }

  /**
   * Stamps the key's last use, off the request's path: a lookup happens once per cacheMs per key
   * and gateway, and the stamp only when the last one is a minute old, so an organization's
   * traffic costs no write per request. Authentication never waits for, nor fails with, it.
   */
  private recordUse(keyId: string): void {
    this.dataSource
      .query(
        `UPDATE api_keys SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= now() - interval '${LAST_USED_PRECISION}')`,
        [keyId],
      )
      .catch(() => {
        // A lost stamp is a listing a minute behind; the next lookup stamps again.
      });
  }

  private remember(hash: string, known: KnownKey): void {
    if (this.known.size >= SWEEP_ABOVE) {
      const now = Date.now();
      for (const [key, entry] of this.known) if (entry.expiresAt <= now) this.known.delete(key);
    }
    this.known.set(hash, known);
  }

  private forget(keyId: string): void {
    this.revocations += 1;
    // Lookups on their way may have read the key before the revocation committed.
    this.pending.clear();
    for (const [hash, entry] of this.known) if (entry.keyId === keyId) this.known.delete(hash);
  }

  /**
   * Forgets every remembered key: another process suspended or reinstated an organization, or
   * revoked a key (ORGANIZATION_CHANNEL), so the next request of each looks its key up again.
   */
  forgetAll(): void {
    this.revocations += 1;
    this.pending.clear();
    this.known.clear();
  }

  /**
   * Suspends an organization, in one transaction: its status and reason; its subscriptions stamped
   * changed, so that every router drops them before its next batch; its pending webhook deliveries
   * cancelled ('organization-suspended', never dead-lettered nor retried); the audit entry; and a
   * NOTIFY that makes every gateway forget its keys at the commit. The routing lock is held
   * exclusively, as a replay does: no router batch is between its look at the subscriptions and
   * its writes, so nothing is matched to the organization once this commits. Its keys and
   * subscriptions are kept: reinstating restores them. An organization already suspended is left
   * as it is (reason and time of the first suspension), with nothing written or audited.
   */
  async suspend(
    organizationId: string,
    reason: string,
    auditFor: (change: Omit<StatusChange, 'organization'>) => AuditEntry,
  ): Promise<StatusChange | null> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock($1::bigint)', [ROUTING_LOCK_KEY]);
        const [[suspended]] = await manager.query<[{ id: string }[], number]>(
          // The time the lock was taken, not the transaction's start: every feed entry written
          // before it (router batches stamp theirs under the routing lock) was committed before.
          `UPDATE organizations SET status = 'suspended', suspended_at = clock_timestamp(), suspension_reason = $2
            WHERE id = $1 AND status = 'active' RETURNING id`,
          [organizationId, reason],
        );
        if (!suspended) return this.unchanged(manager, organizationId);
        // Deliveries before subscriptions, the order in which the notifier's outcomes lock them.
        // Leased ones too: an attempt on the wire may still complete, but its outcome finds the
        // delivery no longer pending and changes nothing but the attempt history.
        const [, cancelled] = await manager.query<[unknown[], number]>(
          `UPDATE webhook_deliveries w
              SET status = 'cancelled', cancel_reason = 'organization-suspended', lease_until = NULL,
                  completed_at = now()
             FROM subscriptions s
            WHERE s.id = w.subscription_id AND s.organization_id = $1 AND w.status = 'pending'`,
          [organizationId],
        );
        await touchSubscriptions(manager, organizationId);
        await appendAudit(manager, [auditFor({ changed: true, cancelledDeliveries: cancelled })]);
        await notifyOrganizationChange(manager);
        return this.changed(manager, organizationId, cancelled);
      });
    } finally {
      this.forgetAll();
    }
  }

  /**
   * Reinstates a suspended organization in one transaction with its audit entry: its keys work
   * again and its subscriptions are matched from the next router batch on. What was cancelled or
   * not matched meanwhile is not replayed. One already active is left as it is.
   */
  async reinstate(organizationId: string, audit: AuditEntry): Promise<StatusChange | null> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [[reinstated]] = await manager.query<[{ id: string }[], number]>(
          `UPDATE organizations SET status = 'active', suspended_at = NULL, suspension_reason = NULL
            WHERE id = $1 AND status = 'suspended' RETURNING id`,
          [organizationId],
        );
        if (!reinstated) return this.unchanged(manager, organizationId);
        await touchSubscriptions(manager, organizationId);
        await appendAudit(manager, [audit]);
        await notifyOrganizationChange(manager);
        return this.changed(manager, organizationId, 0);
      });
    } finally {
      this.forgetAll();
    }
  }

  private async unchanged(manager: EntityManager, organizationId: string): Promise<StatusChange | null> {
    const organization = await manager.findOne(OrganizationEntity, { where: { id: organizationId } });
    return organization ? { organization, changed: false, cancelledDeliveries: 0 } : null;
  }

  private async changed(
    manager: EntityManager,
    organizationId: string,
    cancelledDeliveries: number,
  ): Promise<StatusChange> {
    const organization = await manager.findOneOrFail(OrganizationEntity, { where: { id: organizationId } });
    return { organization, changed: true, cancelledDeliveries };
  }

  async findByCode(code: string): Promise<OrganizationEntity | null> {
    return this.dataSource.getRepository(OrganizationEntity).findOne({ where: { code } });
  }

  /** The registered organizations among these codes (unknown codes are simply not there). */
  async findByCodes(codes: readonly string[]): Promise<OrganizationEntity[]> {
    if (codes.length === 0) return [];
    return this.dataSource.getRepository(OrganizationEntity).find({ where: { code: In([...codes]) } });
  }

  async list(): Promise<OrganizationEntity[]> {
    return this.dataSource.getRepository(OrganizationEntity).find({ order: { code: 'ASC' } });
  }

  private async issueWith(
    repository: Repository<ApiKeyEntity>,
    organizationId: string,
    terms: ApiKeyTerms,
  ): Promise<IssuedApiKey> {
    const apiKey = generateApiKey();
    const saved = await repository.save(
      repository.create({
        organizationId,
        prefix: apiKeyPrefix(apiKey),
        keyHash: hashApiKey(apiKey),
        scope: terms.scope ?? 'read-write',
        expiresAt: terms.expiresAt ?? null,
      }),
    );
    return {
      id: saved.id,
      prefix: saved.prefix,
      apiKey,
      createdAt: saved.createdAt,
      scope: saved.scope,
      expiresAt: saved.expiresAt,
    };
  }
}

function authenticated({ keyId, scope, organization, operations }: KnownKey): AuthenticatedKey {
  return { keyId, scope, organization, operations };
}

/** Wakes every gateway to forget the keys it remembers, when the transaction commits. */
export async function notifyOrganizationChange(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_notify($1, $2)', [ORGANIZATION_CHANNEL, '']);
}

/**
 * Stamps the organization's subscriptions changed (the table's trigger takes a new revision and
 * transaction id): routers re-read them with their owner's status before their next batch.
 */
export async function touchSubscriptions(manager: EntityManager, organizationId: string): Promise<void> {
  await manager.query(
    "UPDATE subscriptions SET updated_at = now() WHERE organization_id = $1 AND status <> 'deleted'",
    [organizationId],
  );
}
