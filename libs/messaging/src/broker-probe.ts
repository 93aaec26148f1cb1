import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSecurity } from '@hub/platform';
import { isKafkaAuthenticationError, kafkajsSecurity } from './kafka-client';

function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Thrown when a broker answers but refuses the client's SASL credentials: waiting will not help. */
export class KafkaCredentialsRefused extends Error {
  constructor(username: string | undefined, cause: unknown) {
    super(
      `the Kafka brokers refused the SASL credentials of ${username ? `'${username}'` : 'this client'}` +
        ' (wrong or revoked username/password)',
      { cause },
    );
    this.name = 'KafkaCredentialsRefused';
  }
}

/**
 * True when the brokers answer a Kafka metadata request (kafkajs describeCluster), with kafkajs
 * kept silent. Throws KafkaCredentialsRefused when they answer but refuse the credentials.
 */
export async function brokersAnswer(brokers: string[], security: KafkaSecurity = {}): Promise<boolean> {
  const reachable = await Promise.all(
    brokers.map((b) => {
      const i = b.lastIndexOf(':');
      return tcpOpen(b.slice(0, i), Number(b.slice(i + 1)));
    }),
  );
  if (!reachable.some(Boolean)) return false;
  const admin = new Kafka({
    clientId: 'cosmo-hub-kafka-probe',
    brokers,
    ...kafkajsSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch (error) {
    if (isKafkaAuthenticationError(error)) throw new KafkaCredentialsRefused(security.sasl?.username, error);
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Resolves once the brokers answer. A service started before its broker (every service of a
 * cold start is launched while the broker boots) waits here rather than failing and being
 * restarted; `waiting` is told every 10 s, so a broker that never comes is not a silent hang.
 */
export async function untilBrokersAnswer(
  brokers: string[],
  waiting: (seconds: number) => void,
  security: KafkaSecurity = {},
): Promise<void> {
  const started = Date.now();
  let told = started;
  while (!(await brokersAnswer(brokers, security))) {
    if (Date.now() - told >= 10_000) {
      told = Date.now();
      waiting(Math.round((told - started) / 1000));
    }
    await sleep(250);
  }
}
