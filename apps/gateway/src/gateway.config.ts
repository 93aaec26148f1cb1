import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { ISO_DURATION_PATTERN } from '@hub/contracts';
import { EnvBoolean, invalidTrustedProxies, withKafkaPrincipal, type HttpTimeouts } from '@hub/platform';
import { DEFAULT_WEBHOOK_PORTS, IsWebhookPortList } from '@hub/webhooks';

/** An acknowledgement deadline setting: a duration alerts accept, or `none`. */
const ACKNOWLEDGE_WITHIN_SETTING = new RegExp(`^(?:none|${ISO_DURATION_PATTERN.source.slice(1, -1)})$`);

export class GatewayConfig extends withKafkaPrincipal('GATEWAY') {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  /**
   * Where clients reach the hub: the base of every event's `source`
   * (<url>/organizations/<code>) and `dataschema` (<url>/schemas/<Name>.schema.json).
   */
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'HUB_PUBLIC_URL must be an absolute http(s) URL' },
  )
  HUB_PUBLIC_URL: string = 'http://127.0.0.1:3000';

  /**
   * Port of the operator listener: the admin API, /metrics and the detailed /health, nothing else;
   * the public listener then answers 404 on /v1/admin. Unset: the admin API is on PORT (0: any free port).
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  ADMIN_PORT?: number;

  /** Listen address of the operator listener: loopback, or a management network's address. */
  @IsString()
  ADMIN_HOST: string = '127.0.0.1';

  /**
   * Bootstrap credential for /v1/admin: acts as the operator `bootstrap`, to issue the named
   * operators' own tokens (POST /v1/admin/operators). Secret: long and random.
   */
  @IsString()
  @MinLength(24, { message: 'HUB_ADMIN_TOKEN must be at least 24 characters' })
  HUB_ADMIN_TOKEN!: string;

  /**
   * Reverse proxies in front of the gateway (IP addresses or CIDR ranges, comma-separated) whose
   * X-Forwarded-For names the client: its address then counts for the anonymous budget and the
   * audit. Unset: X-Forwarded-For is ignored (a caller could otherwise choose its own address).
   */
  @IsOptional()
  @ValidateBy({
    name: 'isTrustedProxyList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && invalidTrustedProxies(value).length === 0,
      defaultMessage: () => 'TRUSTED_PROXIES must be IP addresses or CIDR ranges, comma-separated',
    },
  })
  TRUSTED_PROXIES?: string;

  /** Largest accepted request body. */
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  BODY_LIMIT_BYTES: number = 1024 * 1024;

  /** `/health/ready` answers 503 until this file exists (`npm run hub` writes it once the demo set is seeded). */
  @IsOptional()
  @IsString()
  HUB_READY_FILE?: string;

  /** When set, the gateway writes its OpenAPI document to this file at start-up. */
  @IsOptional()
  @IsString()
  OPENAPI_OUTPUT?: string;

  /** Key (32 bytes, base64) that encrypts webhook signing secrets at rest; shared with the notifier. Secret. */
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'HUB_SECRET_KEY must be 32 bytes, base64-encoded' })
  HUB_SECRET_KEY!: string;

  /**
   * Wake the relay with a NOTIFY at each write's commit (the default). Off, the relay finds new
   * outbox rows by its poll (RELAY_POLL_INTERVAL_MS): fewer wake-ups, more latency.
   */
  @EnvBoolean()
  @IsBoolean({ message: 'OUTBOX_NOTIFY must be true or false' })
  OUTBOX_NOTIFY: boolean = true;

  /**
   * How long an authenticated API key is remembered (0: looked up on every request). A key revoked
   * through this instance is refused at once; one revoked through another instance within this time.
   */
  @IsInt()
  @Min(0)
  @Max(60_000)
  API_KEY_CACHE_MS: number = 5000;

  /**
   * Bootstrap servers of the brokers' external SASL_SSL listener, as stream consumers reach them
   * (host:port[,host:port…]). Unset: the hub issues no stream credentials (503).
   */
  @IsOptional()
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, {
    message: 'KAFKA_EXTERNAL_BOOTSTRAP must be host:port[,host:port…]',
  })
  KAFKA_EXTERNAL_BOOTSTRAP?: string;

  /** PEM of the CA of the external listener's certificate, handed to stream consumers; unset for a public CA. */
  @IsOptional()
  @IsString()
  KAFKA_EXTERNAL_CA_FILE?: string;

  /**
   * The principal that issues and revokes stream credentials (ALTER and DESCRIBE on the cluster:
   * SCRAM credentials and ACLs), used by those admin routes only, never by the gateway's own
   * client. Required with KAFKA_EXTERNAL_BOOTSTRAP.
   */
  @IsOptional()
  @IsString()
  STREAM_ADMIN_KAFKA_SASL_USERNAME?: string;

  /** Secret. */
  @IsOptional()
  @IsString()
  STREAM_ADMIN_KAFKA_SASL_PASSWORD?: string;

  /**
   * Java classpath holding the broker's kafka-clients jar (e.g. `.cache/kafka/4.4.0/lib/*`): the SCRAM
   * credentials of stream consumers are made by the Java Admin client, which kafkajs cannot replace.
   */
  @IsOptional()
  @IsString()
  KAFKA_ADMIN_CLASSPATH?: string;

  /** Accept webhook URLs on loopback or private addresses (local receivers, tests); never in production. */
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

  /** Requests a minute per organization (all its keys together), over a sliding minute. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE: number = 1200;

  /** Record submissions, revisions and withdrawals a minute per organization (within the budget above). */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_WRITES_PER_MINUTE: number = 300;

  /** Requests a minute with the admin token. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_ADMIN_PER_MINUTE: number = 120;

  /** Requests a minute per client address without valid credentials; once spent, the address waits a minute. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: number = 30;

  /**
   * Redis (redis:// or rediss://, e.g. redis://redis:6379/0) where every gateway counts the budgets
   * above, so N gateways share one budget. Unset: each process counts in its own memory, right
   * for a single gateway only. Should Redis stop answering, each gateway counts alone until it
   * answers again (see the README). Secret (may hold a password).
   */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix of the gateway's keys in Redis: lets several hubs (or test runs) share one Redis database. */
  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : _ . -',
  })
  REDIS_KEY_PREFIX: string = 'cosmo-hub:';

  /** Subscriptions an organization may hold (deleted ones do not count); the next gets 429. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  SUBSCRIPTIONS_PER_ORGANIZATION: number = 200;

  /**
   * Long polls (`wait` > 0) an organization may hold open at once on this gateway process; the
   * next gets 429 with Retry-After.
   */
  @IsInt()
  @Min(1)
  @Max(10_000)
  LONG_POLLS_PER_ORGANIZATION: number = 10;

  /** Time a client has to send a whole request, headers and body (slow clients are cut off with 408). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS: number = 30_000;

  /** Inactivity after which a socket is closed; above the longest long poll (30 s). */
  @IsInt()
  @Min(35_000, { message: 'HTTP_CONNECTION_TIMEOUT_MS must be at least 35000 (long polls wait up to 30 s)' })
  @Max(3_600_000)
  HTTP_CONNECTION_TIMEOUT_MS: number = 120_000;

  /** How long an idle keep-alive connection is kept open between requests. */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 72_000;

  /** How far back a new subscription's `replayFrom` may reach, in days (0: no replay). */
  @IsInt()
  @Min(0)
  @Max(3650)
  SUBSCRIPTION_REPLAY_MAX_DAYS: number = 30;

  /**
   * The most records a replay copies (the newest). Routers wait while a replay runs, so this
   * bounds how long they do.
   */
  @IsInt()
  @Min(1)
  @Max(100_000)
  SUBSCRIPTION_REPLAY_MAX_RECORDS: number = 1000;

  // Acknowledgement deadlines of alerts by severity, when an alert sets no `acknowledgeWithin`
  // (issue 16): an ISO 8601 duration in weeks, days, hours, minutes or seconds, or `none`.

  /** Default `acknowledgeWithin` of critical alerts. */
  @Matches(ACKNOWLEDGE_WITHIN_SETTING, {
    message: 'ACKNOWLEDGE_WITHIN_CRITICAL must be an ISO 8601 duration or none',
  })
  ACKNOWLEDGE_WITHIN_CRITICAL: string = 'PT24H';

  /** Default `acknowledgeWithin` of high-severity alerts. */
  @Matches(ACKNOWLEDGE_WITHIN_SETTING, {
    message: 'ACKNOWLEDGE_WITHIN_HIGH must be an ISO 8601 duration or none',
  })
  ACKNOWLEDGE_WITHIN_HIGH: string = 'P3D';

  /** Default `acknowledgeWithin` of medium-severity alerts. */
  @Matches(ACKNOWLEDGE_WITHIN_SETTING, {
    message: 'ACKNOWLEDGE_WITHIN_MEDIUM must be an ISO 8601 duration or none',
  })
  ACKNOWLEDGE_WITHIN_MEDIUM: string = 'none';

  /** Default `acknowledgeWithin` of low-severity alerts. */
  @Matches(ACKNOWLEDGE_WITHIN_SETTING, {
    message: 'ACKNOWLEDGE_WITHIN_LOW must be an ISO 8601 duration or none',
  })
  ACKNOWLEDGE_WITHIN_LOW: string = 'none';
}

export function gatewayTimeouts(config: GatewayConfig): HttpTimeouts {
  return {
    requestMs: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionMs: config.HTTP_CONNECTION_TIMEOUT_MS,
    keepAliveMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}
