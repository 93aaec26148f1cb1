import { Column, Entity, PrimaryColumn } from 'typeorm';
import type {
  HandlingCode,
  RecordBody,
  RecordStatus,
  RecordType,
  RegionCode,
  Severity,
  StrategicCategory,
} from '@hub/contracts';

/**
 * The current version of an alert or seizure notice. Routing facts (regions,
 * countries, HS codes, categories, audience) are computed by the hub at write
 * time and kept beside the body so reads can filter without parsing it.
 */
@Entity({ name: 'intelligence_records' })
export class IntelligenceRecordEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: RecordType;

  @Column({ name: 'originator_id', type: 'uuid' })
  originatorId!: string;

  @Column({ name: 'originator_code', type: 'varchar', length: 40 })
  originatorCode!: string;

  /** The originator's own reference, unique per organization and record type. */
  @Column({ type: 'varchar', length: 100 })
  reference!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: RecordStatus;

  @Column({ type: 'varchar', length: 16 })
  handling!: HandlingCode;

  @Column({ type: 'text', array: true })
  recipients!: string[];

  /** Organization codes the originator keeps out whatever the handling (from the body). */
  @Column({ name: 'exclude_organizations', type: 'text', array: true })
  excludeOrganizations!: string[];

  /** ISO alpha-2 countries the originator keeps out (from the body). */
  @Column({ name: 'exclude_countries', type: 'text', array: true })
  excludeCountries!: string[];

  @Column({ type: 'text', array: true })
  regions!: RegionCode[];

  @Column({ type: 'text', array: true })
  countries!: string[];

  @Column({ name: 'hs_codes', type: 'text', array: true })
  hsCodes!: string[];

  @Column({ type: 'text', array: true })
  categories!: StrategicCategory[];

  @Column({ type: 'varchar', length: 16, nullable: true })
  severity!: Severity | null;

  /** The validated record as submitted (and as merged by later versions). */
  @Column({ type: 'jsonb' })
  body!: RecordBody;

  /** Digest of the first submission, so a resend of the same reference is recognised. */
  @Column({ name: 'submission_hash', type: 'char', length: 64 })
  submissionHash!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt!: Date | null;
}
