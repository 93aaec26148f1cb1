import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PROVENANCE_KEY_LIST_PATTERN } from '@hub/contracts';
import { EventSigningKey, withKafkaPrincipal } from '@hub/platform';

export class RouterConfig extends withKafkaPrincipal('ROUTER') {
  /** The router's pool: its batch writes and the subscription directory's reloads need few connections. */
  override DATABASE_POOL_SIZE: number = 4;

  /** Port of the router's /health and /metrics. */
  @IsInt()
  @Min(1)
  @Max(65535)
  ROUTER_PORT: number = 3003;

  /** Kafka consumer group shared by all router instances: they split the canonical partitions. */
  @IsString()
  ROUTER_GROUP_ID: string = 'hub-router';

  /**
   * Canonical partitions whose batches one router instance routes at once (each partition's
   * batches stay in order). Each holds one database connection while it routes: beyond the
   * router's pool size, batches only wait for a connection. At 3 rather than 1, P7 at 45 alerts/s
   * fell from about 130-180 ms to 90 ms regional p99. Safe at any value: EventPublisher never
   * overlaps two sends of the batches' regional messages, and feed entries are stamped with their
   * transaction's id (feed_write_stamp), so date_added follows feed order across concurrent batches.
   */
  @IsInt()
  @Min(1)
  @Max(12)
  ROUTER_PARTITIONS_CONCURRENTLY: number = 3;

  /**
   * The least time between two commits of the router group's offsets. Routing a batch again is
   * harmless (feed entries are unique per subscription and event, audit entries per dedupe key, and
   * regional consumers dedupe on the event id), so a crash or a rebalance repeats at most this much
   * routing, in order; committing after every batch instead (0) costs a broker round trip that each
   * next fetch waits for.
   */
  @IsInt()
  @Min(0)
  @Max(60000)
  ROUTER_OFFSET_COMMIT_INTERVAL_MS: number = 1000;

  @IsInt()
  @Min(1)
  @Max(5)
  KAFKA_REPLICATION_FACTOR: number = 1;

  /**
   * Where a router group with no committed offsets starts: `earliest` routes the whole history
   * (a new deployment), `latest` only what is published from now on.
   */
  @IsIn(['earliest', 'latest'])
  ROUTER_START_FROM: 'earliest' | 'latest' = 'earliest';

  /**
   * Verifies that each canonical message was signed by the relay (the hub-provenance header):
   * the relay's key, at least 32 random bytes, base64. Secret.
   */
  @EventSigningKey()
  HUB_EVENT_SIGNING_KEY!: string;

  /**
   * Retired signing keys still accepted (comma-separated), so that messages signed before a
   * rotation, and the history replayed from the canonical topics, still verify. Secret.
   */
  @IsOptional()
  @IsString()
  @Matches(PROVENANCE_KEY_LIST_PATTERN, {
    message: 'HUB_EVENT_SIGNING_KEY_PREVIOUS must be base64 keys of at least 32 bytes, comma-separated',
  })
  HUB_EVENT_SIGNING_KEY_PREVIOUS?: string;
}
