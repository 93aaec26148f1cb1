import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from '@hub/platform';

// kafkajs prints a banner about its v2 default partitioner unless told not to; the hub keys every message.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export interface KafkaSettings extends KafkaSecurity {
  brokers: string[];
  clientId: string;
  /** Where kafkajs's own log lines go (structured). */
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The kafkajs `sasl` and `ssl` options for these settings. */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const { sasl, ssl } = security;
  return {
    ...(sasl
      ? {
          sasl: {
            mechanism: sasl.mechanism,
            username: sasl.username,
            password: sasl.password,
          } as SASLOptions,
        }
      : {}),
    ...(ssl ? { ssl: ssl === true ? true : { ca: [ssl.ca] } } : {}),
  };
}

/** A kafkajs client with bounded retries, so an outage surfaces to the caller instead of looping forever. */
export function createKafka(settings: KafkaSettings): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...kafkajsSecurity(settings),
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, label, log }: LogEntry) => {
        const { message, ...extra } = log;
        settings.log?.(LEVELS[level] ?? 'info', `kafkajs ${label}: ${message}`, extra);
      },
  };
  return new Kafka(config);
}

/** True for the error kafkajs raises when the broker refuses the SASL credentials. */
export function isKafkaAuthenticationError(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    if (cause.name === 'KafkaJSSASLAuthenticationError') return true;
    if ((cause as { type?: unknown }).type === 'SASL_AUTHENTICATION_FAILED') return true;
  }
  return false;
}
