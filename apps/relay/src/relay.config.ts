import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { HubServiceConfig } from '@hub/platform';

export class RelayConfig extends HubServiceConfig {
  /**
   * The relay's own Kafka principal; wins over KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD, so that
   * services sharing one environment (the in-process test harness) each keep their own.
   */
  @IsOptional()
  @IsString()
  RELAY_KAFKA_SASL_USERNAME?: string;

  /** Secret. */
  @IsOptional()
  @IsString()
  RELAY_KAFKA_SASL_PASSWORD?: string;
  /** Port of the relay's /health and /metrics. */
  @IsInt()
  @Min(1)
  @Max(65535)
  RELAY_PORT: number = 3001;

  @IsString()
  HOST: string = '0.0.0.0';

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

  @IsInt()
  @Min(1)
  @Max(5)
  KAFKA_REPLICATION_FACTOR: number = 1;
}
