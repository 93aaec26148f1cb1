import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { OrganizationEntity } from '../entities/organization.entity';
import { apiKeyPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';

export interface NewOrganization {
  code: string;
  name: string;
  kind: OrganizationEntity['kind'];
  country?: string | null;
  region?: string | null;
}

export interface IssuedApiKey {
  id: string;
  prefix: string;
  /** The key itself: returned once, never stored. */
  apiKey: string;
  createdAt: Date;
}

export class DuplicateOrganizationError extends Error {}

interface RawOrganization {
  key_id: string;
  id: string;
  code: string;
  name: string;
  kind: OrganizationEntity['kind'];
  country: string | null;
  region: string | null;
  created_at: Date;
}

/** How long an authenticated API key is remembered (DatabaseSettings.apiKeyCacheMs). */
export const API_KEY_CACHE_MS = Symbol('API_KEY_CACHE_MS');
export const DEFAULT_API_KEY_CACHE_MS = 5000;

interface KnownKey {
  keyId: string;
  organization: OrganizationEntity;
  expiresAt: number;
}

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
   * within cacheMs. Unknown and revoked keys are never remembered.
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
        }),
      );
      const key = await this.issueWith(manager.getRepository(ApiKeyEntity), saved.id);
      await appendAudit(manager, auditFor(saved, key));
      return { organization: saved, key };
    });
  }

  async issueKey(organizationId: string, auditFor: (key: IssuedApiKey) => AuditEntry): Promise<IssuedApiKey> {
    return this.dataSource.transaction(async (manager) => {
      const key = await this.issueWith(manager.getRepository(ApiKeyEntity), organizationId);
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
   * The organization holding this key, unless the key is unknown or revoked; remembered for
   * cacheMs (see `known`). `recognizedOnly` (a caller locked out for failed credentials): a key
   * this process never found valid is answered null without a lookup.
   */
  async authenticate(
    apiKey: string,
    { recognizedOnly = false }: { recognizedOnly?: boolean } = {},
  ): Promise<OrganizationEntity | null> {
    if (!looksLikeApiKey(apiKey)) return null;
    const hash = hashApiKey(apiKey);
    const known = this.known.get(hash);
    if (known && known.expiresAt > Date.now()) return known.organization;
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
    return (await lookup)?.organization ?? null;
  }

  private async lookUp(hash: string): Promise<KnownKey | null> {
    const revocations = this.revocations;
    // One plain statement on the unique key_hash index.
    const [row] = await this.dataSource.query<RawOrganization[]>(
      `SELECT k.id AS key_id, o.id, o.code, o.name, o.kind, o.country, o.region, o.created_at
         FROM api_keys k JOIN organizations o ON o.id = k.organization_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
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
    const known: KnownKey = {
      keyId: row.key_id,
      expiresAt: Date.now() + this.cacheMs,
      organization: Object.assign(new OrganizationEntity(), {
        id: row.id,
        code: row.code,
        name: row.name,
        kind: row.kind,
        country: row.country,
        region: row.region,
        createdAt: row.created_at,
      }),
    };
    // A revocation since the lookup started may concern this key: answer, but do not remember.
    if (this.cacheMs > 0 && revocations === this.revocations) this.remember(hash, known);
    return known;
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

  async findByCode(code: string): Promise<OrganizationEntity | null> {
    return this.dataSource.getRepository(OrganizationEntity).findOne({ where: { code } });
  }

  async list(): Promise<OrganizationEntity[]> {
    return this.dataSource.getRepository(OrganizationEntity).find({ order: { code: 'ASC' } });
  }

  private async issueWith(
    repository: Repository<ApiKeyEntity>,
    organizationId: string,
  ): Promise<IssuedApiKey> {
    const apiKey = generateApiKey();
    const saved = await repository.save(
      repository.create({ organizationId, prefix: apiKeyPrefix(apiKey), keyHash: hashApiKey(apiKey) }),
    );
    return { id: saved.id, prefix: saved.prefix, apiKey, createdAt: saved.createdAt };
  }
}
