import { Injectable } from '@nestjs/common';
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
  id: string;
  code: string;
  name: string;
  kind: OrganizationEntity['kind'];
  country: string | null;
  region: string | null;
  created_at: Date;
}

/** Organizations and their API keys. */
@Injectable()
export class OrganizationDirectory {
  constructor(private readonly dataSource: DataSource) {}

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
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .getRepository(ApiKeyEntity)
        .update({ id: keyId, organizationId, revokedAt: IsNull() }, { revokedAt: new Date() });
      if ((result.affected ?? 0) === 0) return false;
      await appendAudit(manager, [audit]);
      return true;
    });
  }

  async listKeys(organizationId: string): Promise<ApiKeyEntity[]> {
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { organizationId }, order: { createdAt: 'ASC' } });
  }

  /** The organization holding this key, unless the key is unknown or revoked. */
  async authenticate(apiKey: string): Promise<OrganizationEntity | null> {
    if (!looksLikeApiKey(apiKey)) return null;
    // Every request of every organization passes here: one plain statement on the unique key_hash index.
    const [row] = await this.dataSource.query<RawOrganization[]>(
      `SELECT o.id, o.code, o.name, o.kind, o.country, o.region, o.created_at
         FROM api_keys k JOIN organizations o ON o.id = k.organization_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hashApiKey(apiKey)],
    );
    if (!row) return null;
    return Object.assign(new OrganizationEntity(), {
      id: row.id,
      code: row.code,
      name: row.name,
      kind: row.kind,
      country: row.country,
      region: row.region,
      createdAt: row.created_at,
    });
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
