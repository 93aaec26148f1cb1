import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { EnvBoolean, withKafkaPrincipal } from '@hub/platform';
import { DEFAULT_RETRY_SCHEDULE_MS, DEFAULT_WEBHOOK_PORTS, IsWebhookPortList } from '@hub/webhooks';

export class NotifierConfig extends withKafkaPrincipal('NOTIFIER') {
  /** Port of the notifier's /health and /metrics. */
  @IsInt()
  @Min(1)
  @Max(65535)
  NOTIFIER_PORT: number = 3002;

  /** Key that seals webhook signing secrets at rest: 32 random bytes, base64 (`openssl rand -base64 32`). Secret. */
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'HUB_SECRET_KEY must be 32 random bytes, base64-encoded' })
  HUB_SECRET_KEY!: string;

  /** Retired HUB_SECRET_KEYs (comma-separated), still opening the secrets sealed under them. Secret. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=(,[A-Za-z0-9+/]{43}=)*$/, {
    message: 'HUB_SECRET_KEY_PREVIOUS must be 32-byte base64 keys, comma-separated',
  })
  HUB_SECRET_KEY_PREVIOUS?: string;

  /** Time a subscriber has to answer one delivery completely. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  /** Delays before each attempt (ms, comma-separated); its length is the number of attempts. */
  @IsString()
  @Matches(/^\s*\d+\s*(,\s*\d+\s*){0,49}$/, {
    message: 'WEBHOOK_RETRY_SCHEDULE_MS must be 1 to 50 comma-separated millisecond delays',
  })
  WEBHOOK_RETRY_SCHEDULE_MS: string = DEFAULT_RETRY_SCHEDULE_MS.join(',');

  /** Lets webhooks reach loopback and private networks: local development and tests only. */
  @EnvBoolean()
  @IsBoolean({ message: 'WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false' })
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean = false;

  /** Accept `http://` webhook URLs: local development (the launcher's demo receiver) and tests only. */
  @EnvBoolean()
  @IsBoolean({ message: 'WEBHOOK_ALLOW_INSECURE_HTTP must be true or false' })
  WEBHOOK_ALLOW_INSECURE_HTTP: boolean = false;

  /** Ports a webhook URL may name (ports or ranges, comma-separated); others are refused. */
  @IsWebhookPortList()
  WEBHOOK_ALLOWED_PORTS: string = DEFAULT_WEBHOOK_PORTS;

  /** Deliveries in flight at once (one per subscription at a time, to keep each one's order). */
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_MAX_IN_FLIGHT: number = 32;

  /** Consecutive dead-lettered deliveries that pause a subscription. */
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_PAUSE_AFTER_FAILURES: number = 3;

  /** Poll for due deliveries when idle (the router's NOTIFY usually wakes the notifier sooner). */
  @IsInt()
  @Min(20)
  @Max(60_000)
  NOTIFIER_POLL_INTERVAL_MS: number = 200;

  /** Replication factor of the dead-letter topic when the notifier creates it. */
  @IsInt()
  @Min(1)
  @Max(5)
  KAFKA_REPLICATION_FACTOR: number = 1;
}

/** The retired keys of HUB_SECRET_KEY_PREVIOUS, in order. */
export function previousSecretKeys(config: Pick<NotifierConfig, 'HUB_SECRET_KEY_PREVIOUS'>): string[] {
  return config.HUB_SECRET_KEY_PREVIOUS ? config.HUB_SECRET_KEY_PREVIOUS.split(',') : [];
}
