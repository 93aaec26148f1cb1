import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HubEventType, PublishedRecord } from '@hub/contracts';

/** Append-only history: every version of every record, as published. */
@Entity({ name: 'intelligence_record_versions' })
export class RecordVersionEntity {
  @PrimaryColumn({ name: 'record_id', type: 'uuid' })
  recordId!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType!: HubEventType;

  @Column({ type: 'jsonb' })
  record!: PublishedRecord;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
