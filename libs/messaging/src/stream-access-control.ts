import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Kafka,
} from 'kafkajs';
import type { StreamAcl } from '@hub/matching';

/**
 * Creates and deletes SCRAM credentials on the brokers. kafkajs cannot (it has no
 * AlterUserScramCredentials, KIP-554), so this is the broker's own Java Admin client.
 */
export interface ScramCredentialAdmin {
  /** Creates or replaces `username`'s SCRAM-SHA-512 credential. */
  upsert(username: string, password: string): Promise<void>;
  /** Deletes it; a username with no credential is not an error. */
  delete(username: string): Promise<void>;
}

const OPERATIONS: Record<StreamAcl['operation'], AclOperationTypes> = {
  read: AclOperationTypes.READ,
  describe: AclOperationTypes.DESCRIBE,
};

export function kafkaAclEntry(acl: StreamAcl): AclEntry {
  return {
    resourceType: acl.resourceType === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
    resourceName: acl.resourceName,
    resourcePatternType:
      acl.patternType === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    principal: acl.principal,
    host: acl.host,
    operation: OPERATIONS[acl.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/**
 * Grants and revokes a stream credential on the brokers, as a principal allowed to alter the
 * cluster (ACLs and SCRAM credentials) and nothing else.
 */
export class StreamAccessControl {
  constructor(
    private readonly kafka: Kafka,
    private readonly scram: ScramCredentialAdmin,
  ) {}

  /**
   * ACLs first, then the credential: until the credential exists nobody can use the ACLs, so a
   * failure half-way grants nothing; it is undone before the error is thrown.
   */
  async grant(username: string, password: string, acls: readonly StreamAcl[]): Promise<void> {
    const principal = `User:${username}`;
    if (acls.some((acl) => acl.principal !== principal)) throw new Error('ACLs of another principal');
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createAcls({ acl: acls.map(kafkaAclEntry) });
      try {
        await this.scram.upsert(username, password);
      } catch (error) {
        await this.deleteAclsOf(admin, principal).catch(() => undefined);
        throw error;
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The credential first, so no new connection authenticates from then on; then every ACL of
   * the principal, so a session still open is refused on its next fetch and is closed by the
   * broker at its next re-authentication (connections.max.reauth.ms).
   */
  async revoke(username: string): Promise<void> {
    await this.scram.delete(username);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await this.deleteAclsOf(admin, `User:${username}`);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Takes every ACL of the principal away and keeps its credential (an organization suspended):
   * it still authenticates but may read nothing, its open sessions are refused on their next
   * fetch; `restore` gives the same credential its access back.
   */
  async withdraw(username: string): Promise<void> {
    await this.withAdmin((admin) => this.deleteAclsOf(admin, `User:${username}`));
  }

  /** Grants the ACLs again to a credential whose access was withdrawn (creating an existing ACL is a no-op). */
  async restore(username: string, acls: readonly StreamAcl[]): Promise<void> {
    if (acls.some((acl) => acl.principal !== `User:${username}`))
      throw new Error('ACLs of another principal');
    await this.withAdmin(async (admin) => {
      await admin.createAcls({ acl: acls.map(kafkaAclEntry) });
    });
  }

  private async withAdmin(work: (admin: ReturnType<Kafka['admin']>) => Promise<void>): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private async deleteAclsOf(admin: ReturnType<Kafka['admin']>, principal: string): Promise<void> {
    const { filterResponses } = await admin.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal,
          host: '*',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        },
      ],
    });
    const failed = filterResponses.find((response) => response.errorCode !== 0);
    if (failed)
      throw new Error(`deleting the ACLs of ${principal} failed: ${failed.errorMessage ?? failed.errorCode}`);
  }
}
