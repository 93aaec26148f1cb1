import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { OrganizationEntity } from './organization.entity';

/**
 * A Kafka (SASL/SCRAM) credential the hub issued to an organization for its regional streams: what
 * its ACLs grant and who issued or revoked it. The password is never stored here: it is shown once
 * and the broker keeps only its SCRAM verifier.
 */
@Entity({ name: 'stream_credentials' })
export class StreamCredentialEntity {
  /** The SASL username, also the Kafka principal `User:<username>`. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  username!: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId!: string;

  @ManyToOne('OrganizationEntity', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organization?: OrganizationEntity;

  @Column({ type: 'varchar', length: 32 })
  mechanism!: 'SCRAM-SHA-512';

  /** The regional topics the credential may read (READ and DESCRIBE ACLs). */
  @Column({ type: 'text', array: true })
  topics!: string[];

  /** Consumer groups it may join: ids starting with this (a prefixed GROUP READ ACL). */
  @Column({ name: 'group_prefix', type: 'varchar', length: 64 })
  groupPrefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Who issued it: `operator` for the admin token. */
  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 64, nullable: true })
  revokedBy!: string | null;
}
