/**
 * A RILO node's clients, configured only from what the hub hands out with a stream credential
 * (POST /v1/admin/organizations/{code}/stream-credentials), exactly as the README's "Connecting a
 * RILO node" says: the official Java client (a single-file program, run by Java 17 with the
 * broker's own Maven-resolved jars) and kafkajs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, type LogEntry, logLevel } from 'kafkajs';

/** The answer to an issuance (the fields a RILO node needs). */
export interface IssuedStreamCredential {
  username: string;
  password: string;
  mechanism: 'SCRAM-SHA-512';
  bootstrapServers: string[];
  securityProtocol: 'SASL_SSL';
  topics: string[];
  groupPrefix: string;
  caCertificate: string | null;
}

const KAFKA_JARS = (): string => {
  const classpath = process.env.KAFKA_ADMIN_CLASSPATH;
  if (!classpath) throw new Error('KAFKA_ADMIN_CLASSPATH is not set (test/support/global-setup.ts sets it)');
  return classpath;
};
const CONSUMER_SOURCE = path.join(__dirname, 'java', 'RiloConsumer.java');

/** The Java client's properties for a credential, as the README gives them (the CA in a PEM file). */
export function javaProperties(credential: IssuedStreamCredential): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'rilo-'));
  const lines = [
    `bootstrap.servers=${credential.bootstrapServers.join(',')}`,
    `security.protocol=${credential.securityProtocol}`,
    `sasl.mechanism=${credential.mechanism}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${credential.username}" password="${credential.password}";`,
  ];
  if (credential.caCertificate) {
    const caFile = path.join(folder, 'hub-ca.pem');
    writeFileSync(caFile, credential.caCertificate, { mode: 0o600 });
    lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${caFile}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface JavaLine {
  type: 'assigned' | 'record' | 'committed' | 'end' | 'error' | 'produced' | 'probe';
  attempt?: string;
  outcome?: string;
  at: number;
  error?: string;
  message?: string;
  topic?: string;
  key?: string;
  headers?: Record<string, string>;
}

export interface JavaRun {
  lines: JavaLine[];
  /** Resolves with the first line that satisfies `predicate`, or rejects after `timeoutMs`. */
  waitFor(predicate: (line: JavaLine) => boolean, timeoutMs: number): Promise<JavaLine>;
  exited: Promise<number | null>;
  stop(): void;
}

/** Runs RiloConsumer.java (`consume <topic> <group> <seconds>` or `produce <topic>`) with these properties on stdin. */
export function runJavaRilo(properties: string, args: string[]): JavaRun {
  const child = spawn('java', ['-cp', KAFKA_JARS(), CONSUMER_SOURCE, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: JavaLine[] = [];
  const waiters: { predicate: (line: JavaLine) => boolean; resolve: (line: JavaLine) => void }[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    // The client's own logging may share stdout: only the program's JSON lines count.
    for (const part of parts.filter((candidate) => candidate.startsWith('{"type":'))) {
      const line = { ...(JSON.parse(part) as Omit<JavaLine, 'at'>), at: Date.now() };
      lines.push(line);
      for (const waiter of waiters.filter((candidate) => candidate.predicate(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  child.stdin.end(properties);
  return {
    lines,
    exited,
    stop: () => void child.kill('SIGKILL'),
    waitFor: (predicate, timeoutMs) => {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `java ${args.join(' ')}: no such line within ${timeoutMs} ms; lines ${JSON.stringify(lines).slice(0, 1500)}; stderr ${stderr.slice(-1500)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          // Lines are all read before 'close': a process that ended without the line never will.
          setTimeout(() => {
            if (!lines.some(predicate)) {
              clearTimeout(timer);
              reject(
                new Error(
                  `java ${args.join(' ')} ended without such a line: ${JSON.stringify(lines).slice(0, 1500)}; stderr ${stderr.slice(-1500)}`,
                ),
              );
            }
          }, 50);
        });
      });
    },
  };
}

/** A kafkajs client configured from a credential, as the README gives it. */
export function riloKafka(
  credential: IssuedStreamCredential,
  password = credential.password,
  debug?: (entry: LogEntry) => void,
): Kafka {
  return new Kafka({
    ...(debug ? { logLevel: logLevel.DEBUG, logCreator: () => debug } : { logLevel: logLevel.NOTHING }),
    clientId: `rilo-${credential.username}`,
    brokers: credential.bootstrapServers,
    ssl: credential.caCertificate ? { ca: [credential.caCertificate] } : true,
    sasl: { mechanism: 'scram-sha-512', username: credential.username, password },
    connectionTimeout: 5000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
  });
}

/** The Kafka error code name (`TOPIC_AUTHORIZATION_FAILED`…) or class name of a kafkajs failure. */
export function kafkajsFailure(error: unknown): string {
  for (let cause = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    const type = (cause as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    if (cause.name === 'KafkaJSSASLAuthenticationError') return cause.name;
    const originalError = (cause as { originalError?: unknown }).originalError;
    if (originalError instanceof Error) return kafkajsFailure(originalError);
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
