import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { HubServiceConfig } from '@hub/platform';

export class RouterConfig extends HubServiceConfig {
  /**
   * The router's own Kafka principal; wins over KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD, so that
   * services sharing one environment (the in-process test harness) each keep their own.
   */
  @IsOptional()
  @IsString()
  ROUTER_KAFKA_SASL_USERNAME?: string;

  /** Secret. */
  @IsOptional()
  @IsString()
  ROUTER_KAFKA_SASL_PASSWORD?: string;
  /** Port of the router's /health and /metrics. */
  @IsInt()
  @Min(1)
  @Max(65535)
  ROUTER_PORT: number = 3003;

  @IsString()
  HOST: string = '0.0.0.0';

  /** Kafka consumer group shared by all router instances: they split the canonical partitions. */
  @IsString()
  ROUTER_GROUP_ID: string = 'hub-router';

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
}
