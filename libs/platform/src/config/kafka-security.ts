import * as fs from 'node:fs';
import type { HubServiceConfig } from './hub-config';
import { ConfigurationError } from './load-config';

export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain', 'none'] as const;
export type KafkaSaslMechanism = Exclude<(typeof KAFKA_SASL_MECHANISMS)[number], 'none'>;

/** A SASL principal. The password is a secret: never logged. */
export interface KafkaSaslCredentials {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

/**
 * How a Kafka client authenticates and encrypts: SASL credentials, and TLS (`ssl: true` trusts
 * the system CAs, `{ ca }` a PEM bundle such as the development broker's CA).
 */
export interface KafkaSecurity {
  sasl?: KafkaSaslCredentials;
  ssl?: boolean | { ca: string };
}

/** A service's own principal, from `<SERVICE>_KAFKA_SASL_USERNAME`/`_PASSWORD` (they win over the shared pair). */
export interface KafkaServicePrincipal {
  /** Prefix of the per-service variables, e.g. `RELAY`. */
  prefix: string;
  username?: string;
  password?: string;
}

/**
 * The SASL and TLS settings of a service's Kafka client, from its validated configuration.
 * SASL is on by default (the hub's brokers refuse unauthenticated clients): without a username
 * and password the service refuses to start, naming the variables; `KAFKA_SASL_MECHANISM=none`
 * connects without authentication to a cluster that allows it.
 */
export function kafkaSecurity(config: HubServiceConfig, own?: KafkaServicePrincipal): KafkaSecurity {
  const problems: string[] = [];
  const username = own?.username ?? config.KAFKA_SASL_USERNAME;
  const password = own?.password ?? config.KAFKA_SASL_PASSWORD;
  const names = (suffix: string) =>
    own ? `${own.prefix}_KAFKA_SASL_${suffix} (or KAFKA_SASL_${suffix})` : `KAFKA_SASL_${suffix}`;
  let sasl: KafkaSaslCredentials | undefined;
  if (config.KAFKA_SASL_MECHANISM !== 'none') {
    if (!username)
      problems.push(`${names('USERNAME')}: required for KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    if (!password)
      problems.push(`${names('PASSWORD')}: required for KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`);
    if (username && password) sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username, password };
  }
  let ssl: KafkaSecurity['ssl'];
  if (config.KAFKA_SSL_CA_FILE) {
    try {
      ssl = { ca: fs.readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8') };
    } catch (error) {
      problems.push(
        `KAFKA_SSL_CA_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (!config.KAFKA_SSL) problems.push('KAFKA_SSL_CA_FILE: requires KAFKA_SSL=true');
  } else if (config.KAFKA_SSL) {
    ssl = true;
  }
  if (problems.length) {
    problems.push(
      'the hub connects to Kafka with SASL (SCRAM-SHA-512) by default; set KAFKA_SASL_MECHANISM=none only for a cluster without authentication',
    );
    throw new ConfigurationError(problems);
  }
  return { ...(sasl ? { sasl } : {}), ...(ssl ? { ssl } : {}) };
}
