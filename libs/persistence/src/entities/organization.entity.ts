import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import type { OrganizationKind } from '@hub/contracts';
import type { ApiKeyEntity } from './api-key.entity';

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

  @OneToMany('ApiKeyEntity', (key: ApiKeyEntity) => key.organization)
  apiKeys?: ApiKeyEntity[];
}
