import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { EnvBoolean } from './env-boolean';
import { KAFKA_SASL_MECHANISMS } from './kafka-security';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Variables every hub service reads. Each app extends this with its own. */
export class HubServiceConfig {
  /** PostgreSQL connection string, e.g. postgres://postgres@127.0.0.1:5432/hub. Secret (may hold a password). */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/postgres';

  /** Comma-separated Kafka bootstrap servers. */
  @IsString()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port…]' })
  KAFKA_BROKERS: string = '127.0.0.1:9092';

  /** SASL mechanism of the service's Kafka principal; `none` only for a cluster without authentication. */
  @IsIn(KAFKA_SASL_MECHANISMS)
  KAFKA_SASL_MECHANISM: (typeof KAFKA_SASL_MECHANISMS)[number] = 'scram-sha-512';

  /** Kafka principal of the service (a per-service `<SERVICE>_KAFKA_SASL_USERNAME` wins). */
  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME?: string;

  /** Secret. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  KAFKA_SASL_PASSWORD?: string;

  /** TLS to the brokers (SASL_SSL); trusts the system CAs unless KAFKA_SSL_CA_FILE names a PEM bundle. */
  @EnvBoolean()
  @IsBoolean()
  KAFKA_SSL: boolean = false;

  @IsOptional()
  @IsString()
  KAFKA_SSL_CA_FILE?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** `json` lines, or `pretty` one-line text for a person; unset: `pretty` when stdout is a terminal. */
  @IsOptional()
  @IsIn(LOG_FORMATS)
  LOG_FORMAT?: LogFormat;

  /** Name this instance reports in logs, metrics and as Kafka client id. */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/)
  INSTANCE_ID?: string;

  /** Connections of the service's pool; a service whose work needs fewer lowers the default in its class. */
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE: number = 10;

  /**
   * Listen address of the service's HTTP port (its API, or its /health and /metrics). `npm run hub`
   * sets 127.0.0.1; containers need 0.0.0.0 behind their published ports.
   */
  @IsString()
  HOST: string = '0.0.0.0';

  /** PEM certificate (chain) of the service's HTTPS listener; with TLS_KEY_FILE. Unset: plain HTTP. */
  @ValidateIf(
    (config: HubServiceConfig) => config.TLS_CERT_FILE !== undefined || config.TLS_KEY_FILE !== undefined,
  )
  @IsString({ message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' })
  TLS_CERT_FILE?: string;

  /** PEM private key of that certificate. Secret (the file). */
  @ValidateIf(
    (config: HubServiceConfig) => config.TLS_CERT_FILE !== undefined || config.TLS_KEY_FILE !== undefined,
  )
  @IsString({ message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' })
  TLS_KEY_FILE?: string;

  /**
   * Bearer token that opens /metrics and the detailed /health on the service's main listener (the
   * gateway's public one serves them to nobody else). Secret: long and random.
   */
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'METRICS_TOKEN must be at least 24 characters' })
  METRICS_TOKEN?: string;

  /**
   * Shards of the outbox: the writers (gateway) stamp each row with its record's shard, the relays
   * share the shards. Every service must have the same value; change it only with the outbox drained
   * (README, "Sharded relays").
   */
  @IsInt()
  @Min(1)
  @Max(256)
  OUTBOX_SHARDS: number = 8;

  /** Longest a database statement (or an idle transaction) may take before PostgreSQL cancels it. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DATABASE_STATEMENT_TIMEOUT_MS: number = 30_000;
}

/** `<SERVICE>_KAFKA_SASL_USERNAME` and `_PASSWORD`: a service's own Kafka principal. */
export type KafkaPrincipalVariables<P extends string> = {
  [K in `${P}_KAFKA_SASL_USERNAME` | `${P}_KAFKA_SASL_PASSWORD`]?: string;
};

/**
 * The base of a service's configuration class: the shared variables and the service's own Kafka
 * principal under `<prefix>_KAFKA_SASL_*`, which wins over KAFKA_SASL_USERNAME/PASSWORD so that
 * services sharing one environment (the in-process test harness) each keep their own. The names
 * vary with the service, so the two properties are declared here once rather than in each class.
 */
export function withKafkaPrincipal<P extends string>(
  prefix: P,
): new () => HubServiceConfig & KafkaPrincipalVariables<P> {
  class ServiceConfig extends HubServiceConfig {}
  for (const suffix of ['USERNAME', 'PASSWORD']) {
    const variable = `${prefix}_KAFKA_SASL_${suffix}`;
    IsOptional()(ServiceConfig.prototype, variable);
    IsString()(ServiceConfig.prototype, variable);
  }
  return ServiceConfig;
}

/** The service's own principal as read by `withKafkaPrincipal(prefix)`, for `kafkaSecurity`. */
export function servicePrincipal<P extends string>(
  config: KafkaPrincipalVariables<P>,
  prefix: P,
): { prefix: P; username?: string; password?: string } {
  return {
    prefix,
    username: config[`${prefix}_KAFKA_SASL_USERNAME`],
    password: config[`${prefix}_KAFKA_SASL_PASSWORD`],
  };
}

export function kafkaBrokerList(config: HubServiceConfig): string[] {
  return config.KAFKA_BROKERS.split(',').map((broker) => broker.trim());
}

/** Names of variables whose values must never be logged. */
export const SECRET_VARIABLES: readonly string[] = [
  'DATABASE_URL',
  'DATABASE_SERVICE_PASSWORD',
  'HUB_ADMIN_TOKEN',
  'METRICS_TOKEN',
  'HUB_SECRET_KEY',
  'HUB_SECRET_KEY_PREVIOUS',
  'KAFKA_SASL_PASSWORD',
  'GATEWAY_KAFKA_SASL_PASSWORD',
  'RELAY_KAFKA_SASL_PASSWORD',
  'ROUTER_KAFKA_SASL_PASSWORD',
  'NOTIFIER_KAFKA_SASL_PASSWORD',
  'HUB_EVENT_SIGNING_KEY',
  'HUB_EVENT_SIGNING_KEY_PREVIOUS',
  'STREAM_ADMIN_KAFKA_SASL_PASSWORD',
  'REDIS_URL',
];
