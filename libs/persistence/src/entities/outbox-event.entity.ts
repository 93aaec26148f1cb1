import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { HubCloudEvent, HubEventType, PublishedRecord } from '@hub/contracts';

/**
 * An event waiting to be published to Kafka, written in the same transaction as
 * the state change it announces. The table also has `tx_id` (the writer's
 * transaction id, set by PostgreSQL): the relay reads only rows below the oldest
 * running transaction, so rows that commit out of id order are never skipped.
 */
@Entity({ name: 'outbox_events' })
export class OutboxEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  topic!: string;

  @Column({ name: 'message_key', type: 'varchar', length: 200 })
  messageKey!: string;

  /** The shard of the message key (outboxShardOf): which relay's lease covers the row. */
  @Column({ type: 'smallint' })
  shard!: number;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: HubEventType;

  /** The whole CloudEvent (attributes and data), encoded for Kafka by the relay. */
  @Column({ type: 'jsonb' })
  event!: HubCloudEvent<PublishedRecord>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
