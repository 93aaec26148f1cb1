import { IsInt, IsUrl, Max, Min } from 'class-validator';
import { EventSigningKey, withKafkaPrincipal } from '@hub/platform';

export class RelayConfig extends withKafkaPrincipal('RELAY') {
  /** The relay's pool: the drains of its shards read and mark side by side (the leases have their own connection). */
  override DATABASE_POOL_SIZE: number = 6;

  /** Port of the relay's /health and /metrics. */
  @IsInt()
  @Min(1)
  @Max(65535)
  RELAY_PORT: number = 3001;

  /** Outbox rows published per Kafka batch. */
  @IsInt()
  @Min(1)
  @Max(10000)
  RELAY_BATCH_SIZE: number = 500;

  /** Fallback poll when no LISTEN/NOTIFY wake-up arrives. */
  @IsInt()
  @Min(50)
  @Max(60000)
  RELAY_POLL_INTERVAL_MS: number = 1000;

  /** Partitions of the canonical topics when the relay creates them. */
  @IsInt()
  @Min(1)
  @Max(1000)
  CANONICAL_TOPIC_PARTITIONS: number = 6;

  /** How often committed audit entries are linked into the hash chain (and verifiable). */
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  AUDIT_CHAIN_INTERVAL_MS: number = 1000;

  /** Days a feed entry is kept (0: for ever); the newest entry of each record still active stays. */
  @IsInt()
  @Min(0)
  @Max(36_500)
  FEED_RETENTION_DAYS: number = 90;

  /** Days a finished webhook delivery (delivered, failed, cancelled) and its attempts are kept (0: for ever). */
  @IsInt()
  @Min(0)
  @Max(36_500)
  DELIVERY_RETENTION_DAYS: number = 30;

  /** Days a published outbox row is kept (0: for ever); the current version of each active record stays. */
  @IsInt()
  @Min(0)
  @Max(36_500)
  OUTBOX_RETENTION_DAYS: number = 30;

  /** How often the retention sweep runs. */
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  RETENTION_INTERVAL_MS: number = 3_600_000;

  /** How often the relay looks for operations whose period or a phase has started (operation.opened, .phase-started). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  OPERATION_MILESTONE_INTERVAL_MS: number = 10_000;

  @IsInt()
  @Min(1)
  @Max(5)
  KAFKA_REPLICATION_FACTOR: number = 1;

  /** How often the escalation scan looks for alerts whose acknowledgement deadline ran out (issue 16). */
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  ESCALATION_SCAN_INTERVAL_MS: number = 60_000;

  /** Where clients reach the hub: the base of the escalation events' `source` (<url>/hub); as the gateway's. */
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'HUB_PUBLIC_URL must be an absolute http(s) URL' },
  )
  HUB_PUBLIC_URL: string = 'http://127.0.0.1:3000';

  /**
   * Signs every canonical message (the hub-provenance header): at least 32 random bytes, base64
   * (`openssl rand -base64 32`), shared with the router only. Secret.
   */
  @EventSigningKey()
  HUB_EVENT_SIGNING_KEY!: string;
}
