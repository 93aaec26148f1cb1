import { IsInt, Max, Min } from 'class-validator';
import { EventSigningKey, withKafkaPrincipal } from '@hub/platform';

export class RelayConfig extends withKafkaPrincipal('RELAY') {
  /** The relay's pool: one publishing drain and its lease need few connections. */
  override DATABASE_POOL_SIZE: number = 3;

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

  @IsInt()
  @Min(1)
  @Max(5)
  KAFKA_REPLICATION_FACTOR: number = 1;

  /**
   * Signs every canonical message (the hub-provenance header): at least 32 random bytes, base64
   * (`openssl rand -base64 32`), shared with the router only. Secret.
   */
  @EventSigningKey()
  HUB_EVENT_SIGNING_KEY!: string;
}
