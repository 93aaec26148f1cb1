import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import type { OrganizationKind } from '@hub/contracts';
import type { ApiKeyEntity } from './api-key.entity';

/** `suspended`: cut off by an operator (keys refused, nothing matched or sent) until reinstated. */
export const ORGANIZATION_STATUSES = ['active', 'suspended'] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stable code other organizations use to address this one (recipients, subscriptions). */
  @Column({ type: 'varchar', length: 40, unique: true })
  code!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: OrganizationKind;

  /** ISO 3166-1 alpha-2, for members. */
  @Column({ type: 'char', length: 2, nullable: true })
  country!: string | null;

  /** WCO region code: served region for RILOs, region of the country for members. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  region!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: OrganizationStatus;

  /** When the current suspension began (null while active). */
  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt!: Date | null;

  /** The operator's reason for the current suspension (null while active). */
  @Column({ name: 'suspension_reason', type: 'varchar', length: 500, nullable: true })
  suspensionReason!: string | null;

  @OneToMany('ApiKeyEntity', (key: ApiKeyEntity) => key.organization)
  apiKeys?: ApiKeyEntity[];
}
