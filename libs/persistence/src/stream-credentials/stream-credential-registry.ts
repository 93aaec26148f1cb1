import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { appendAudit, type AuditEntry } from '../audit/audit-trail';
import { StreamCredentialEntity } from '../entities/stream-credential.entity';

export interface NewStreamCredential {
  username: string;
  organizationId: string;
  topics: readonly string[];
  groupPrefix: string;
  createdBy: string;
}

/**
 * The stream credentials the hub issued, as metadata (never a password). The broker holds the
 * credential itself; callers grant it there first and record it here, revoke it there first and
 * mark it here, so a row never claims more access than the broker gives.
 */
@Injectable()
export class StreamCredentialRegistry {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an issued credential with its audit entry, in one transaction. */
  async record(credential: NewStreamCredential, audit: AuditEntry): Promise<StreamCredentialEntity> {
    return this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(
        manager.create(StreamCredentialEntity, {
          ...credential,
          topics: [...credential.topics],
          mechanism: 'SCRAM-SHA-512',
          revokedAt: null,
          revokedBy: null,
        }),
      );
      await appendAudit(manager, [audit]);
      return saved;
    });
  }

  async list(organizationId: string): Promise<StreamCredentialEntity[]> {
    return this.dataSource
      .getRepository(StreamCredentialEntity)
      .find({ where: { organizationId }, order: { createdAt: 'ASC', username: 'ASC' } });
  }

  /** The organization's credential by username, unless revoked. */
  async findActive(organizationId: string, username: string): Promise<StreamCredentialEntity | null> {
    return this.dataSource
      .getRepository(StreamCredentialEntity)
      .findOne({ where: { organizationId, username, revokedAt: IsNull() } });
  }

  /** Marks a credential revoked, with its audit entry; false when it was not active. */
  async markRevoked(
    organizationId: string,
    username: string,
    revokedBy: string,
    audit: AuditEntry,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .getRepository(StreamCredentialEntity)
        .update({ organizationId, username, revokedAt: IsNull() }, { revokedAt: new Date(), revokedBy });
      if ((result.affected ?? 0) === 0) return false;
      await appendAudit(manager, [audit]);
      return true;
    });
  }
}
