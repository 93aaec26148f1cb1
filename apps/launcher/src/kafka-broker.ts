/**
 * Development Kafka broker for Cosmo Hub: the official Apache Kafka broker
 * (org.apache.kafka:kafka_2.13 from Maven Central), run as a single-node KRaft
 * broker+controller, secured:
 *   INTERNAL   127.0.0.1:9092  SASL_PLAINTEXT, SCRAM-SHA-512: the hub's services, each its own principal
 *   CONTROLLER 127.0.0.1:9093  SASL_PLAINTEXT, PLAIN: the KRaft controller, only the bootstrap admin
 *   EXTERNAL   localhost:9094  SASL_SSL, SCRAM-SHA-512: stream consumers (RILO nodes)
 * with the StandardAuthorizer (nothing allowed without an ACL; the bootstrap admin is the only
 * super user), no topic auto-creation, and sessions re-authenticated every 30 s.
 *
 * No NestJS imports on purpose: this module is used by the launcher, by the
 * `kafka-cli` script and by the Jest global setup.
 *
 * Layout (all under the git-ignored `<repo>/.cache/kafka/`):
 *   <version>/lib/*.jar       broker classpath, copied by Maven (apps/launcher/kafka/pom.xml)
 *   <version>/.resolved       marker written once the copy succeeded
 *   data/                     log.dirs (KRaft metadata + topic data); survives stop/start
 *   server.properties         rewritten on every start (0600: holds the admin password)
 *   kafka-credentials.json    SCRAM passwords of the bootstrap admin and the services (0600, generated once)
 *   tls/                      development CA (ca.pem, given to stream consumers) and broker certificate
 *   log4j2.properties         broker logging configuration (stdout → broker.log)
 *   broker.log(.1)            broker stdout/stderr (previous run kept as .1)
 *   broker.pid                pid (= process group id) of the broker started here
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import {
  brokersAnswer,
  grantServicePrincipals,
  KafkaCredentialsRefused,
  STREAM_ADMIN_PRINCIPAL,
  upsertScramUser,
  HUB_SERVICES,
  type HubService,
  kafkajsSecurity,
  SERVICE_PRINCIPALS,
} from '@hub/messaging';
import type { KafkaSaslCredentials, KafkaSecurity } from '@hub/platform';

/** Pinned Apache Kafka version (newest 4.x for which test/kafka-smoke.e2e-spec.ts passes with kafkajs 2.2.4). */
export const KAFKA_VERSION = '4.4.0';

export const KAFKA_HOST = '127.0.0.1';
/**
 * Ports of the project's broker: 9092 (clients) and 9093 (controller) unless HUB_KAFKA_PORT moves
 * them (the controller then listens on the next port). A second checkout, or the fault suite, runs
 * its own broker this way without touching the one other runs use.
 */
export const KAFKA_PORT = portFromEnv('HUB_KAFKA_PORT', 9092);
export const KAFKA_CONTROLLER_PORT = portFromEnv('HUB_KAFKA_CONTROLLER_PORT', KAFKA_PORT + 1);
/** The SASL_SSL listener for stream consumers: 9094, or HUB_KAFKA_PORT + 4 when the broker moved. */
export const KAFKA_EXTERNAL_PORT = portFromEnv(
  'KAFKA_EXTERNAL_PORT',
  KAFKA_PORT === 9092 ? 9094 : KAFKA_PORT + 4,
);
/** Host name stream consumers use (advertised, and named by the development certificate). */
export const KAFKA_EXTERNAL_HOST = process.env.KAFKA_EXTERNAL_HOST || 'localhost';
/**
 * How long an authenticated session lives before the client must re-authenticate: the bound on
 * how long a revoked (deleted) SCRAM user keeps an open connection.
 */
export const KAFKA_REAUTH_MS = 30_000;
/** The bootstrap admin, the broker's only super user (inter-broker, controller, ACLs, SCRAM users). */
export const KAFKA_ADMIN_USER = 'hub-admin';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`[kafka] ${name} must be a TCP port`);
  return port;
}

/** SCRAM passwords of the development broker's principals, generated once (kafka-credentials.json). */
export interface KafkaBrokerCredentials {
  admin: KafkaSaslCredentials;
  services: Record<HubService, KafkaSaslCredentials>;
  /** Issues and revokes stream credentials (the gateway's admin routes only). */
  streamAdmin: KafkaSaslCredentials;
}

export interface KafkaBrokerHandle {
  brokers: string[];
  startedHere: boolean;
  external: boolean;
  /**
   * The development broker's principals and TLS listener; null for KAFKA_BROKERS' cluster, whose
   * clients bring their own settings (KAFKA_SASL_*, KAFKA_SSL*).
   */
  local: LocalKafkaBroker | null;
}

export interface LocalKafkaBroker {
  credentials: KafkaBrokerCredentials;
  /** How the hub's own tools connect to `brokers` (the bootstrap admin over the internal listener). */
  adminSecurity: KafkaSecurity;
  /** The SASL_SSL listener for stream consumers. */
  externalBrokers: string[];
  /** PEM CA certificate that signed the external listener's certificate. */
  caFile: string;
  /** Java classpath of the broker's jars (kafka-clients for the SCRAM user tool). */
  adminClasspath: string;
}

export interface KafkaBrokerOptions {
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** log.dirs of the broker (default: `<repo>/.cache/kafka/data`). */
  dataDir?: string;
  /**
   * False only for the benchmarks' baseline of what security costs (bench P16): PLAINTEXT
   * listeners, no SASL, no ACLs, no TLS listener. Never the default; nothing else may use it.
   */
  secure?: boolean;
}

export interface KafkaBrokerStatus {
  /** Brokers that were probed (KAFKA_BROKERS, or 127.0.0.1:9092). */
  brokers: string[];
  external: boolean;
  /** Pid of the broker started by this tooling, when its process is alive. */
  pid: number | null;
  /** Whether the brokers answer Kafka metadata requests. */
  answering: boolean;
  logFile: string;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const LOCK_TIMEOUT_MS = 10 * 60_000;
const LOG_TAIL_LINES = 40;
const LOCAL_BROKERS = [`${KAFKA_HOST}:${KAFKA_PORT}`];
const OFFSETS_TOPIC_PARTITIONS = 10;

interface Paths {
  repoRoot: string;
  stateDir: string;
  versionDir: string;
  libDir: string;
  marker: string;
  dataDir: string;
  configFile: string;
  log4jFile: string;
  logFile: string;
  pidFile: string;
  lockFile: string;
  pomFile: string;
  credentialsFile: string;
  tlsDir: string;
  securedMarker: string;
}

/** Walks up from this file (TS sources or dist/apps/launcher/src) to the folder holding nest-cli.json. */
function findRepoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, 'nest-cli.json'))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`[kafka] cannot find the repository root (no nest-cli.json above ${__dirname})`);
}

function resolvePaths(options?: KafkaBrokerOptions): Paths {
  const repoRoot = findRepoRoot();
  const cacheDir = path.join(repoRoot, '.cache', 'kafka');
  // The jars are shared; a broker on other ports keeps its data, logs and pid file apart.
  const stateDir = KAFKA_PORT === 9092 ? cacheDir : path.join(cacheDir, `port-${KAFKA_PORT}`);
  const versionDir = path.join(cacheDir, KAFKA_VERSION);
  return {
    repoRoot,
    stateDir,
    versionDir,
    libDir: path.join(versionDir, 'lib'),
    marker: path.join(versionDir, '.resolved'),
    dataDir: path.resolve(options?.dataDir ?? path.join(stateDir, 'data')),
    configFile: path.join(stateDir, 'server.properties'),
    log4jFile: path.join(stateDir, 'log4j2.properties'),
    logFile: path.join(stateDir, 'broker.log'),
    pidFile: path.join(stateDir, 'broker.pid'),
    // One start (and one Maven resolution) at a time, whatever the ports.
    lockFile: path.join(cacheDir, '.start.lock'),
    pomFile: path.join(repoRoot, 'apps', 'launcher', 'kafka', 'pom.xml'),
    credentialsFile: path.join(stateDir, 'kafka-credentials.json'),
    tlsDir: path.join(stateDir, 'tls'),
    // Written into log.dirs once the storage holds the SCRAM users of kafka-credentials.json.
    securedMarker: path.join(
      path.resolve(options?.dataDir ?? path.join(stateDir, 'data')),
      'hub-scram-users',
    ),
  };
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * KAFKA_BROKERS as a list, or null when unset or when it names only this tooling's own broker
 * (127.0.0.1:9092 / localhost:9092): the Jest global setup exports that address to the test
 * workers, and a test that stops the broker must still be able to start it again.
 */
/** The bootstrap servers ensureKafkaBroker() will return, known before the broker is up. */
export function plannedKafkaBrokers(): string[] {
  return externalBrokers() ?? LOCAL_BROKERS;
}

function externalBrokers(): string[] | null {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (!brokers.length) return null;
  const local = new Set([`${KAFKA_HOST}:${KAFKA_PORT}`, `localhost:${KAFKA_PORT}`]);
  return brokers.every((b) => local.has(b)) ? null : brokers;
}

// ---------------------------------------------------------------------------
// processes

/** True when the pid exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // "pid (comm) S ..." — the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

/** True when the pid is alive and (where procfs tells) runs kafka.Kafka — guards against pid reuse. */
function isKafkaProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
  } catch {
    return true;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Pid of the broker recorded in broker.pid when it is still running; removes a stale pid file. */
function runningBrokerPid(paths: Paths): number | null {
  const pid = readPid(paths.pidFile);
  if (pid === null) return null;
  if (isKafkaProcess(pid)) return pid;
  fs.rmSync(paths.pidFile, { force: true });
  return null;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the broker was spawned detached: pid is its process group id
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(200);
  }
  return !isAlive(pid);
}

interface CommandResult {
  code: number | null;
  output: string;
}

function runCommand(cmd: string, args: string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error(`[kafka] '${cmd}' was not found on PATH`) : err),
    );
    child.once('close', (code) => resolve({ code, output }));
  });
}

function tail(text: string, lines = LOG_TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function readEnd(file: string, maxBytes: number): string | null {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.min(size, maxBytes);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** What goes into a start failure: the first ERROR/FATAL lines of this run (with the line after each) and the tail. */
function brokerLogReport(file: string): string {
  const text = readEnd(file, 4 * 1024 * 1024);
  if (text === null) return `(no broker log at ${file})`;
  const lines = text.split('\n');
  const errors: string[] = [];
  for (let i = 0; i < lines.length && errors.length < 10; i++) {
    if (/^\[[^\]]+\] (ERROR|FATAL) /.test(lines[i]))
      errors.push(lines[i], ...(lines[i + 1] ? [lines[i + 1]] : []));
  }
  return (
    (errors.length ? `--- first errors in ${file} ---\n${errors.join('\n')}\n` : '') +
    `--- tail of ${file} ---\n${tail(text)}`
  );
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

// ---------------------------------------------------------------------------
// probing

/** Java's String.hashCode, which Kafka uses to map a group id to a __consumer_offsets partition. */
function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** One group id per __consumer_offsets partition, so that probing them covers every group coordinator. */
const WARMUP_GROUPS: string[] = (() => {
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < OFFSETS_TOPIC_PARTITIONS; i++) {
    const id = `cosmo-hub-warmup-${i}`;
    const h = javaHashCode(id);
    const partition = (h === -2147483648 ? 0 : Math.abs(h)) % OFFSETS_TOPIC_PARTITIONS;
    if (!byPartition.has(partition)) byPartition.set(partition, id);
  }
  return [...byPartition.values()];
})();

/**
 * A broker that answers metadata may still be creating or loading __consumer_offsets and
 * __transaction_state (first start, or right after a restart): clients then get
 * COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS and kafkajs logs ERROR lines while it retries.
 * Wait until every group coordinator answers DescribeGroups and an idempotent producer gets a producer id.
 */
async function warmUpCoordinators(deadline: number, security: KafkaSecurity): Promise<void> {
  const kafka = new Kafka({
    clientId: 'cosmo-hub-kafka-warmup',
    brokers: LOCAL_BROKERS,
    ...kafkajsSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 }, // kafkajs: idempotence requires retries > 0
  });
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    for (;;) {
      try {
        await fn();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`[kafka] ${what} not ready in time: ${errorMessage(err)}`, { cause: err });
        }
        await sleep(300);
      }
    }
  };
  try {
    await attempt('admin connection', () => admin.connect());
    await attempt('group coordinator', () => admin.describeGroups(WARMUP_GROUPS));
    await attempt('producer id manager', () => producer.connect());
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function waitUntilReady(
  paths: Paths,
  pid: number,
  exited: () => string | null,
  security: KafkaSecurity,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = exited() ?? (isAlive(pid) ? null : 'exited');
    if (exit !== null) {
      fs.rmSync(paths.pidFile, { force: true });
      throw new Error(
        `[kafka] the broker (pid ${pid}) ${exit} before answering on ${LOCAL_BROKERS[0]}.\n` +
          brokerLogReport(paths.logFile),
      );
    }
    // Refused credentials count as "not yet" until the deadline: the report then shows the broker log.
    if (await brokersAnswer(LOCAL_BROKERS, security).catch(() => false)) {
      try {
        await warmUpCoordinators(deadline, security);
        return;
      } catch (err) {
        signalGroup(pid, 'SIGKILL');
        await waitForExit(pid, 5000);
        fs.rmSync(paths.pidFile, { force: true });
        throw new Error(
          `${errorMessage(err)} (the broker, pid ${pid}, was killed)\n` + brokerLogReport(paths.logFile),
          { cause: err },
        );
      }
    }
    if (Date.now() > deadline) {
      signalGroup(pid, 'SIGKILL');
      await waitForExit(pid, 5000);
      fs.rmSync(paths.pidFile, { force: true });
      throw new Error(
        `[kafka] the broker (pid ${pid}) did not answer on ${LOCAL_BROKERS[0]} within ${seconds(timeoutMs)}; it was killed.\n` +
          brokerLogReport(paths.logFile),
      );
    }
    await sleep(300);
  }
}

// ---------------------------------------------------------------------------
// start lock (two processes calling ensureKafkaBroker at once start one broker)

async function withStartLock<T>(paths: Paths, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      fs.writeFileSync(paths.lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(paths.lockFile);
      let ageMs: number;
      try {
        ageMs = Date.now() - fs.statSync(paths.lockFile).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if ((holder !== null && !isAlive(holder)) || (holder === null && ageMs > 5000)) {
        fs.rmSync(paths.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`[kafka] timed out waiting for ${paths.lockFile} (held by pid ${holder})`, {
          cause: err,
        });
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(paths.lockFile, { force: true });
  }
}

// ---------------------------------------------------------------------------
// security: credentials and TLS material

const password = (): string => randomBytes(24).toString('base64url');
const scram = (username: string, secret: string): KafkaSaslCredentials => ({
  mechanism: 'scram-sha-512',
  username,
  password: secret,
});

function readCredentials(paths: Paths): KafkaBrokerCredentials | null {
  try {
    const stored = JSON.parse(fs.readFileSync(paths.credentialsFile, 'utf8')) as {
      admin: { username: string; password: string };
      services: Record<string, { username: string; password: string }>;
      streamAdmin?: { username: string; password: string };
    };
    if (HUB_SERVICES.some((service) => !stored.services?.[service]?.password)) return null;
    if (!stored.streamAdmin?.password) {
      // A file from before stream credentials: add the stream admin, keep every other password.
      stored.streamAdmin = { username: STREAM_ADMIN_PRINCIPAL, password: password() };
      const next = `${paths.credentialsFile}.${process.pid}`;
      writePrivate(next, `${JSON.stringify(stored, null, 2)}\n`);
      fs.renameSync(next, paths.credentialsFile);
    }
    return {
      streamAdmin: scram(stored.streamAdmin.username, stored.streamAdmin.password),
      admin: scram(stored.admin.username, stored.admin.password),
      services: Object.fromEntries(
        HUB_SERVICES.map((service) => [
          service,
          scram(stored.services[service].username, stored.services[service].password),
        ]),
      ) as Record<HubService, KafkaSaslCredentials>,
    };
  } catch {
    return null;
  }
}

/** The broker's principals, generated on first use and kept (0600) beside its data. */
function ensureCredentials(paths: Paths): KafkaBrokerCredentials {
  const existing = readCredentials(paths);
  if (existing) return existing;
  const credentials: KafkaBrokerCredentials = {
    admin: scram(KAFKA_ADMIN_USER, password()),
    streamAdmin: scram(STREAM_ADMIN_PRINCIPAL, password()),
    services: Object.fromEntries(
      HUB_SERVICES.map((service) => [service, scram(SERVICE_PRINCIPALS[service], password())]),
    ) as Record<HubService, KafkaSaslCredentials>,
  };
  const stored = {
    admin: { username: credentials.admin.username, password: credentials.admin.password },
    streamAdmin: { username: credentials.streamAdmin.username, password: credentials.streamAdmin.password },
    services: Object.fromEntries(
      HUB_SERVICES.map((service) => [
        service,
        {
          username: credentials.services[service].username,
          password: credentials.services[service].password,
        },
      ]),
    ),
  };
  try {
    // 'wx': when two processes start at once, the first file wins and both use it.
    fs.writeFileSync(paths.credentialsFile, `${JSON.stringify(stored, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    const written = (error as NodeJS.ErrnoException).code === 'EEXIST' ? readCredentials(paths) : null;
    if (!written) throw error;
    return written;
  }
  return credentials;
}

/** Creates the state folder readable by its owner only: it holds passwords and a CA key. */
function ensureStateDir(paths: Paths): void {
  fs.mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(paths.stateDir, 0o700);
}

interface TlsMaterial {
  /** Private key then certificate chain, PEM (the broker's `ssl.keystore.type=PEM`). */
  keystoreFile: string;
  caFile: string;
}

function writePrivate(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, cwd);
  if (result.code !== 0) throw new Error(`[kafka] openssl ${args[0]} failed:\n${tail(result.output)}`);
}

/**
 * The external listener's certificate: KAFKA_TLS_CERT_FILE/KAFKA_TLS_KEY_FILE/KAFKA_TLS_CA_FILE
 * (PEM) when given, else a development CA and a broker certificate for localhost, 127.0.0.1 and
 * KAFKA_EXTERNAL_HOST, made once with openssl under tls/.
 */
async function ensureTls(paths: Paths, log: (line: string) => void): Promise<TlsMaterial> {
  fs.mkdirSync(paths.tlsDir, { recursive: true, mode: 0o700 });
  const keystoreFile = path.join(paths.tlsDir, 'broker-keystore.pem');
  const given = [
    process.env.KAFKA_TLS_CERT_FILE,
    process.env.KAFKA_TLS_KEY_FILE,
    process.env.KAFKA_TLS_CA_FILE,
  ];
  if (given.some(Boolean)) {
    const [certFile, keyFile, caFile] = given;
    if (!certFile || !keyFile || !caFile)
      throw new Error('[kafka] KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE and KAFKA_TLS_CA_FILE go together');
    writePrivate(
      keystoreFile,
      `${fs.readFileSync(keyFile, 'utf8').trim()}\n${fs.readFileSync(certFile, 'utf8').trim()}\n`,
    );
    return { keystoreFile, caFile: path.resolve(caFile) };
  }
  const caFile = path.join(paths.tlsDir, 'ca.pem');
  const caKey = path.join(paths.tlsDir, 'ca.key');
  const brokerKey = path.join(paths.tlsDir, 'broker.key');
  const brokerCert = path.join(paths.tlsDir, 'broker.pem');
  const names = [...new Set(['localhost', '127.0.0.1', KAFKA_EXTERNAL_HOST])];
  const sanFile = path.join(paths.tlsDir, 'broker.san');
  const san = `subjectAltName=${names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',')}\n`;
  const current =
    fs.existsSync(caFile) &&
    fs.existsSync(keystoreFile) &&
    fs.existsSync(sanFile) &&
    fs.readFileSync(sanFile, 'utf8') === san;
  if (current) return { keystoreFile, caFile };
  log('[kafka] creating a development CA and broker certificate (openssl)…');
  const extFile = path.join(paths.tlsDir, 'broker.ext');
  fs.writeFileSync(extFile, `${san}extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  const days = '825';
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      days,
      '-subj',
      '/O=Cosmo Hub/CN=Cosmo Hub development Kafka CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    paths.tlsDir,
  );
  const csr = path.join(paths.tlsDir, 'broker.csr');
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      brokerKey,
      '-out',
      csr,
      '-subj',
      `/O=Cosmo Hub/CN=${KAFKA_EXTERNAL_HOST}`,
    ],
    paths.tlsDir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      brokerCert,
      '-days',
      days,
      '-sha256',
      '-extfile',
      extFile,
    ],
    paths.tlsDir,
  );
  fs.chmodSync(caKey, 0o600);
  fs.chmodSync(brokerKey, 0o600);
  fs.chmodSync(caFile, 0o644);
  writePrivate(
    keystoreFile,
    `${fs.readFileSync(brokerKey, 'utf8').trim()}\n${fs.readFileSync(brokerCert, 'utf8').trim()}\n`,
  );
  fs.writeFileSync(sanFile, san);
  fs.rmSync(csr, { force: true });
  return { keystoreFile, caFile };
}

/** How this tooling's own clients (probes, ACLs, tests' observers) connect: the bootstrap admin. */
function adminSecurity(credentials: KafkaBrokerCredentials): KafkaSecurity {
  return { sasl: credentials.admin };
}

function localBroker(paths: Paths, credentials: KafkaBrokerCredentials, tls: TlsMaterial): LocalKafkaBroker {
  return {
    credentials,
    adminSecurity: adminSecurity(credentials),
    externalBrokers: [`${KAFKA_EXTERNAL_HOST}:${KAFKA_EXTERNAL_PORT}`],
    caFile: tls.caFile,
    adminClasspath: `${paths.libDir}${path.sep}*`,
  };
}

// ---------------------------------------------------------------------------
// installation

async function resolveJars(paths: Paths, log: (line: string) => void): Promise<void> {
  const kafkaJar = `kafka_2.13-${KAFKA_VERSION}.jar`;
  if (fs.existsSync(paths.marker) && fs.existsSync(path.join(paths.libDir, kafkaJar))) return;
  log(`[kafka] resolving org.apache.kafka:kafka_2.13:${KAFKA_VERSION} with Maven…`);
  const started = Date.now();
  fs.rmSync(paths.marker, { force: true });
  fs.rmSync(paths.libDir, { recursive: true, force: true }); // a half-done copy is redone
  fs.mkdirSync(paths.versionDir, { recursive: true });
  const heartbeat = setInterval(
    () => log(`[kafka] still resolving… (${seconds(Date.now() - started)})`),
    15_000,
  );
  let result: CommandResult;
  try {
    result = await runCommand(
      process.env.MVN ?? 'mvn',
      [
        '-B',
        '-q',
        '-ntp',
        '-f',
        paths.pomFile,
        `-Dkafka.version=${KAFKA_VERSION}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${paths.libDir}`,
        '-DincludeScope=runtime',
      ],
      paths.repoRoot,
    );
  } finally {
    clearInterval(heartbeat);
  }
  const jars = fs.existsSync(paths.libDir)
    ? fs.readdirSync(paths.libDir).filter((f) => f.endsWith('.jar'))
    : [];
  if (result.code !== 0 || !jars.includes(kafkaJar)) {
    throw new Error(
      `[kafka] Maven could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (exit ${result.code}).\n` +
        `--- tail of Maven output ---\n${tail(result.output) || '(no output)'}`,
    );
  }
  fs.writeFileSync(
    paths.marker,
    JSON.stringify({ version: KAFKA_VERSION, jars: jars.length, resolvedAt: new Date().toISOString() }) +
      '\n',
  );
  log(`[kafka] resolved ${jars.length} jars in ${seconds(Date.now() - started)}`);
}

const jaas = (module: string, options: Record<string, string>): string =>
  `${module} required ${Object.entries(options)
    .map(([key, value]) => `${key}="${value}"`)
    .join(' ')};`;

/** The listeners and their security: SASL + ACLs + a TLS listener, or (bench baseline only) none of it. */
function securityProperties(credentials: KafkaBrokerCredentials, tls: TlsMaterial | null): string[] {
  if (!tls)
    return [
      '# UNSECURED (bench P16 baseline only): PLAINTEXT, no authentication, no ACLs.',
      `listeners=INTERNAL://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}`,
      `advertised.listeners=INTERNAL://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}`,
      'inter.broker.listener.name=INTERNAL',
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
    ];
  const admin = credentials.admin;
  const externalBind = ['localhost', '127.0.0.1'].includes(KAFKA_EXTERNAL_HOST) ? KAFKA_HOST : '0.0.0.0';
  return [
    // INTERNAL: the hub's services, on loopback (SASL without TLS: the traffic never leaves the
    // machine). EXTERNAL: stream consumers, SASL over TLS. No listener accepts an unauthenticated client.
    `listeners=INTERNAL://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT},EXTERNAL://${externalBind}:${KAFKA_EXTERNAL_PORT}`,
    `advertised.listeners=INTERNAL://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT},EXTERNAL://${KAFKA_EXTERNAL_HOST}:${KAFKA_EXTERNAL_PORT}`,
    'inter.broker.listener.name=INTERNAL',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.internal.scram-sha-512.sasl.jaas.config=${jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username: admin.username, password: admin.password })}`,
    `listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    // KRaft controllers cannot use SCRAM (its credentials live in the metadata they serve): PLAIN,
    // with the bootstrap admin as the only user, on loopback.
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${jaas('org.apache.kafka.common.security.plain.PlainLoginModule', { username: admin.username, password: admin.password, [`user_${admin.username}`]: admin.password })}`,
    'listener.name.external.ssl.keystore.type=PEM',
    `listener.name.external.ssl.keystore.location=${tls.keystoreFile}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${admin.username}`,
    // A deleted (revoked) SCRAM user's open connections end at their next re-authentication.
    `connections.max.reauth.ms=${KAFKA_REAUTH_MS}`,
  ];
}

function writeConfig(paths: Paths, credentials: KafkaBrokerCredentials, tls: TlsMaterial | null): void {
  const properties = [
    '# Written by apps/launcher/src/kafka-broker.ts on every start; edits are overwritten.',
    '# Single-node KRaft: this node is both broker and (dynamic-quorum, --standalone) controller.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}`,
    ...securityProperties(credentials, tls),
    `log.dirs=${paths.dataDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    `offsets.topic.num.partitions=${OFFSETS_TOPIC_PARTITIONS}`,
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Every topic is created explicitly by the service that owns it (relay, router, notifier).
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    '',
  ].join('\n');
  writePrivate(paths.configFile, properties);

  const log4j = [
    '# Written by apps/launcher/src/kafka-broker.ts: broker logs go to stdout, i.e. broker.log.',
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    'logger.authorizer.name = kafka.authorizer.logger',
    'logger.authorizer.level = WARN',
    '',
  ].join('\n');
  fs.writeFileSync(paths.log4jFile, log4j);
}

function jvmArgs(paths: Paths, heap: string[]): string[] {
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${paths.log4jFile}`,
    '-cp',
    `${paths.libDir}${path.sep}*`,
  ];
}

/**
 * What `kafka-storage random-uuid` prints (Kafka's Uuid.randomUuid): 16 random bytes in URL-safe
 * base64 without padding, never starting with '-'. Made here to spare a JVM start on a cold start.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Names the users and passwords a storage was formatted with (a digest: no secret in the marker). */
function credentialsDigest(credentials: KafkaBrokerCredentials): string {
  const users = [credentials.admin, ...HUB_SERVICES.map((service) => credentials.services[service])];
  return createHash('sha256')
    .update(JSON.stringify(users.map((user) => [user.username, user.password])))
    .digest('hex');
}

/**
 * Formats log.dirs with the SCRAM users of kafka-credentials.json. Storage formatted without them
 * (before the broker was secured, or when the credentials file was lost) holds only development
 * data and cannot be opened by the hub's principals: it is formatted again, with a log line.
 */
async function formatStorage(
  paths: Paths,
  credentials: KafkaBrokerCredentials,
  log: (line: string) => void,
  secure = true,
): Promise<void> {
  const formatted = fs.existsSync(path.join(paths.dataDir, 'meta.properties'));
  if (!secure && formatted) return;
  const marker = fs.existsSync(paths.securedMarker)
    ? fs.readFileSync(paths.securedMarker, 'utf8').trim()
    : null;
  if (secure && formatted && marker === credentialsDigest(credentials)) return;
  if (formatted) {
    log(
      `[kafka] the development broker's data in ${path.relative(paths.repoRoot, paths.dataDir)} was formatted ` +
        'without the SCRAM users of kafka-credentials.json (an unsecured broker from before): formatting it again, its topics are dropped',
    );
    fs.rmSync(paths.dataDir, { recursive: true, force: true });
  }
  log(
    secure
      ? '[kafka] formatting storage with the SCRAM users of the admin and the services…'
      : '[kafka] formatting storage (unsecured: no users)…',
  );
  fs.mkdirSync(paths.dataDir, { recursive: true });
  const users = secure
    ? [
        credentials.admin,
        credentials.streamAdmin,
        ...HUB_SERVICES.map((service) => credentials.services[service]),
      ]
    : [];
  const args = [
    ...jvmArgs(paths, ['-Xmx256m']),
    'kafka.tools.StorageTool',
    'format',
    '--standalone',
    '-t',
    randomClusterId(),
    '-c',
    paths.configFile,
    ...users.flatMap((user) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`,
    ]),
  ];
  // The passwords go through a 0600 argument file (`java @file`), never the command line.
  const argFile = path.join(paths.stateDir, 'format.args');
  writePrivate(argFile, args.map((arg) => `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('\n'));
  let format: CommandResult;
  try {
    format = await runCommand(javaCommand(), [`@${argFile}`], paths.stateDir);
  } finally {
    fs.rmSync(argFile, { force: true });
  }
  if (format.code !== 0 || !fs.existsSync(path.join(paths.dataDir, 'meta.properties'))) {
    throw new Error(`[kafka] StorageTool format failed (exit ${format.code}):\n${tail(format.output)}`);
  }
  if (secure) fs.writeFileSync(paths.securedMarker, `${credentialsDigest(credentials)}\n`);
}

function spawnBroker(paths: Paths): { child: ChildProcess; exited: () => string | null } {
  if (fs.existsSync(paths.logFile)) fs.renameSync(paths.logFile, `${paths.logFile}.1`);
  const out = fs.openSync(paths.logFile, 'a');
  let exit: string | null = null;
  let child: ChildProcess;
  try {
    fs.writeSync(
      out,
      `==== ${new Date().toISOString()} starting Apache Kafka ${KAFKA_VERSION} (KRaft) ====\n`,
    );
    child = spawn(
      javaCommand(),
      [...jvmArgs(paths, ['-Xms256m', '-Xmx768m']), 'kafka.Kafka', paths.configFile],
      { cwd: paths.stateDir, detached: true, stdio: ['ignore', out, out] },
    );
  } finally {
    fs.closeSync(out);
  }
  child.once('error', (err) => (exit = `could not be started (${err.message})`));
  child.once('exit', (code, signal) => (exit = `exited (${signal ? `signal ${signal}` : `code ${code}`})`));
  child.unref();
  return { child, exited: () => exit };
}

// ---------------------------------------------------------------------------
// public API

/**
 * Makes sure a Kafka broker is reachable and returns its bootstrap servers:
 * KAFKA_BROKERS when set (external; except when it is just 127.0.0.1:9092 or localhost:9092, which
 * is handled as the local broker), else a broker already answering on 127.0.0.1:9092, else the
 * pinned Apache Kafka broker, resolved with Maven and started detached. Idempotent.
 */
export async function ensureKafkaBroker(options?: KafkaBrokerOptions): Promise<KafkaBrokerHandle> {
  const log = options?.log ?? ((line: string) => console.log(line));
  const external = externalBrokers();
  if (external) {
    log(`[kafka] using external brokers from KAFKA_BROKERS: ${external.join(',')}`);
    return { brokers: external, startedHere: false, external: true, local: null };
  }
  const paths = resolvePaths(options);
  ensureStateDir(paths);
  const secure = options?.secure ?? true;
  if (!secure) return ensureUnsecuredBroker(paths, options, log);

  const reuse = async (): Promise<KafkaBrokerHandle | null> => {
    let pid = runningBrokerPid(paths);
    if (pid !== null && !configIsSecured(paths)) {
      log(`[kafka] the broker running here (pid ${pid}) was started without security: stopping it`);
      await stopKafkaBroker({ ...options, log });
      pid = null;
    }
    const credentials = readCredentials(paths);
    if (!credentials && pid !== null) {
      log(`[kafka] the broker running here (pid ${pid}) has lost its kafka-credentials.json: stopping it`);
      await stopKafkaBroker({ ...options, log });
      pid = null;
    }
    if (!credentials) {
      if (pid === null && (await tcpAnswers(LOCAL_BROKERS[0])))
        throw new Error(
          `[kafka] something else listens on ${LOCAL_BROKERS[0]} (not a broker started by this checkout); ` +
            'stop it, or move this broker with HUB_KAFKA_PORT',
        );
      return null;
    }
    const local = localBroker(paths, credentials, { keystoreFile: '', caFile: caFileOf(paths) });
    if (pid !== null) {
      // Started by this tooling (maybe by another process that is still waiting for it).
      if (!(await brokersAnswer(LOCAL_BROKERS, local.adminSecurity).catch(() => false))) {
        log(`[kafka] waiting for the broker already starting (pid ${pid})…`);
        await waitUntilReady(paths, pid, () => null, local.adminSecurity);
      }
      await grantServices(local);
      log(`[kafka] reusing the broker running on ${LOCAL_BROKERS[0]} (pid ${pid})`);
      return { brokers: LOCAL_BROKERS, startedHere: false, external: false, local };
    }
    if (await brokersAnswer(LOCAL_BROKERS, local.adminSecurity)) {
      await grantServices(local);
      log(`[kafka] reusing the broker already answering on ${LOCAL_BROKERS[0]}`);
      return { brokers: LOCAL_BROKERS, startedHere: false, external: false, local };
    }
    return null;
  };

  const existing = await reuse();
  if (existing) return existing;

  return withStartLock(paths, async () => {
    const again = await reuse(); // another process may have started it while we waited for the lock
    if (again) return again;

    await resolveJars(paths, log);
    const credentials = ensureCredentials(paths);
    const tls = await ensureTls(paths, log);
    writeConfig(paths, credentials, tls);
    await formatStorage(paths, credentials, log);
    const local = localBroker(paths, credentials, tls);

    log(
      `[kafka] starting Apache Kafka ${KAFKA_VERSION} (KRaft, SASL + ACLs, data in ${path.relative(paths.repoRoot, paths.dataDir) || '.'})…`,
    );
    const started = Date.now();
    const { child, exited } = spawnBroker(paths);
    if (child.pid === undefined) {
      await sleep(50); // let the 'error' event arrive
      throw new Error(`[kafka] the broker ${exited() ?? 'could not be started'} (is Java 17+ installed?)`);
    }
    fs.writeFileSync(paths.pidFile, `${child.pid}\n`);
    await waitUntilReady(paths, child.pid, exited, local.adminSecurity);
    await grantServices(local);
    log(
      `[kafka] broker ready on ${LOCAL_BROKERS[0]} (services), ${local.externalBrokers[0]} (SASL_SSL, CA ${path.relative(paths.repoRoot, local.caFile)}) (${seconds(Date.now() - started)})`,
    );
    return { brokers: LOCAL_BROKERS, startedHere: true, external: false, local };
  });
}

/**
 * The benchmarks' baseline broker (bench P16, `kafka-cli start --unsecured`): PLAINTEXT, no
 * SASL, no ACLs, on its own ports and storage. Its clients connect with KAFKA_SASL_MECHANISM=none.
 */
async function ensureUnsecuredBroker(
  paths: Paths,
  options: KafkaBrokerOptions | undefined,
  log: (line: string) => void,
): Promise<KafkaBrokerHandle> {
  const handle: KafkaBrokerHandle = {
    brokers: LOCAL_BROKERS,
    startedHere: false,
    external: false,
    local: null,
  };
  return withStartLock(paths, async () => {
    const pid = runningBrokerPid(paths);
    if (pid !== null && configIsSecured(paths)) {
      log(`[kafka] the broker running here (pid ${pid}) is secured: stopping it`);
      await stopKafkaBroker({ ...options, log });
    } else if (pid !== null) {
      await waitUntilReady(paths, pid, () => null, {});
      return handle;
    }
    await resolveJars(paths, log);
    const credentials = ensureCredentials(paths);
    writeConfig(paths, credentials, null);
    await formatStorage(paths, credentials, log, false);
    log(
      `[kafka] starting Apache Kafka ${KAFKA_VERSION} UNSECURED (bench baseline: PLAINTEXT, no SASL, no ACLs)…`,
    );
    const { child, exited } = spawnBroker(paths);
    if (child.pid === undefined) {
      await sleep(50);
      throw new Error(`[kafka] the broker ${exited() ?? 'could not be started'} (is Java 17+ installed?)`);
    }
    fs.writeFileSync(paths.pidFile, `${child.pid}\n`);
    await waitUntilReady(paths, child.pid, exited, {});
    log(`[kafka] unsecured broker ready on ${LOCAL_BROKERS[0]}`);
    return { ...handle, startedHere: true };
  });
}

/** Whether the running broker's server.properties is the secured one (an older checkout wrote PLAINTEXT). */
function configIsSecured(paths: Paths): boolean {
  try {
    return fs.readFileSync(paths.configFile, 'utf8').includes('allow.everyone.if.no.acl.found=false');
  } catch {
    return false;
  }
}

function caFileOf(paths: Paths): string {
  return process.env.KAFKA_TLS_CA_FILE
    ? path.resolve(process.env.KAFKA_TLS_CA_FILE)
    : path.join(paths.tlsDir, 'ca.pem');
}

function tcpAnswers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The services' ACLs, created (idempotently) as the bootstrap admin on every start or reuse. */
async function grantServices(local: LocalKafkaBroker): Promise<void> {
  const admin = new Kafka({
    clientId: 'cosmo-hub-kafka-acls',
    brokers: LOCAL_BROKERS,
    ...kafkajsSecurity(local.adminSecurity),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await grantServicePrincipals(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  await ensureStreamAdminUser(local);
}

/**
 * The stream admin's SCRAM credential, written at format time; storage formatted before it
 * existed gets it now, as the bootstrap admin (a JVM only when the stream admin cannot log in).
 */
async function ensureStreamAdminUser(local: LocalKafkaBroker): Promise<void> {
  const { streamAdmin } = local.credentials;
  const loggedIn = await brokersAnswer(LOCAL_BROKERS, { sasl: streamAdmin }).catch((error: unknown) => {
    if (error instanceof KafkaCredentialsRefused) return false;
    throw error;
  });
  if (loggedIn) return;
  await upsertScramUser(
    { classpath: local.adminClasspath, brokers: LOCAL_BROKERS, security: local.adminSecurity },
    streamAdmin.username,
    streamAdmin.password,
  );
}

/**
 * What the gateway needs to issue stream credentials on the development broker: the external
 * listener, its CA, the stream admin principal and the SCRAM tool's classpath. For the gateway
 * only: the stream admin may alter the cluster's ACLs.
 */
export function streamAccessEnvironment(local: LocalKafkaBroker): Record<string, string> {
  return {
    KAFKA_EXTERNAL_BOOTSTRAP: local.externalBrokers.join(','),
    KAFKA_EXTERNAL_CA_FILE: local.caFile,
    STREAM_ADMIN_KAFKA_SASL_USERNAME: local.credentials.streamAdmin.username,
    STREAM_ADMIN_KAFKA_SASL_PASSWORD: local.credentials.streamAdmin.password,
    KAFKA_ADMIN_CLASSPATH: local.adminClasspath,
  };
}

/**
 * The variables that give one service its principal on the development broker: the shared names
 * (KAFKA_SASL_USERNAME/PASSWORD) for a service in its own process, or the per-service names
 * (RELAY_KAFKA_SASL_USERNAME…) for services sharing one environment (the test harness).
 */
export function serviceKafkaEnvironment(
  local: Pick<LocalKafkaBroker, 'credentials'>,
  service: HubService,
  naming: 'shared' | 'per-service' = 'shared',
): Record<string, string> {
  const { username, password } = local.credentials.services[service];
  const prefix = naming === 'shared' ? '' : `${service.toUpperCase()}_`;
  return {
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    [`${prefix}KAFKA_SASL_USERNAME`]: username,
    [`${prefix}KAFKA_SASL_PASSWORD`]: password,
  };
}

/**
 * The development broker's principals, created now if this checkout never started its broker, so
 * that services started while the broker boots already have theirs; null for KAFKA_BROKERS.
 */
export function prepareLocalKafkaBroker(options?: KafkaBrokerOptions): LocalKafkaBroker | null {
  if (externalBrokers()) return null;
  const paths = resolvePaths(options);
  ensureStateDir(paths);
  return localBroker(paths, ensureCredentials(paths), { keystoreFile: '', caFile: caFileOf(paths) });
}

/** The credentials file of a broker whose state lives in `stateDir` (e.g. the benchmarks' broker). */
export function kafkaCredentialsIn(stateDir: string): KafkaBrokerCredentials | null {
  return readCredentials({ credentialsFile: path.join(stateDir, 'kafka-credentials.json') } as Paths);
}

/**
 * The development broker's principals, CA and tool classpath as they are on disk, without
 * starting anything; null when this checkout's broker was never started (or KAFKA_BROKERS is set).
 */
export function localKafkaBroker(options?: KafkaBrokerOptions): LocalKafkaBroker | null {
  if (externalBrokers()) return null;
  const paths = resolvePaths(options);
  const credentials = readCredentials(paths);
  return credentials ? localBroker(paths, credentials, { keystoreFile: '', caFile: caFileOf(paths) }) : null;
}

/**
 * Stops the broker started by ensureKafkaBroker (SIGTERM to its process group, SIGKILL after 30 s)
 * and removes the pid file. The data directory is kept, so ensureKafkaBroker() restarts on the same data.
 * Returns false when no broker started by this tooling was running.
 */
export async function stopKafkaBroker(options?: KafkaBrokerOptions): Promise<boolean> {
  const log = options?.log ?? ((line: string) => console.log(line));
  const paths = resolvePaths(options);
  const pid = runningBrokerPid(paths);
  if (pid === null) return false;
  log(`[kafka] stopping the broker (pid ${pid})…`);
  const started = Date.now();
  signalGroup(pid, 'SIGTERM');
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    log(`[kafka] the broker did not stop within ${seconds(STOP_TIMEOUT_MS)}; sending SIGKILL`);
    signalGroup(pid, 'SIGKILL');
    await waitForExit(pid, 5000);
  }
  fs.rmSync(paths.pidFile, { force: true });
  log(`[kafka] broker stopped (${seconds(Date.now() - started)})`);
  return true;
}

/** What `kafka-cli status` reports: the pid started here (if alive) and whether the brokers answer. */
export async function kafkaBrokerStatus(options?: KafkaBrokerOptions): Promise<KafkaBrokerStatus> {
  const paths = resolvePaths(options);
  const external = externalBrokers();
  const brokers = external ?? LOCAL_BROKERS;
  return {
    brokers,
    external: external !== null,
    pid: fs.existsSync(paths.stateDir) ? runningBrokerPid(paths) : null,
    answering: await brokersAnswer(
      brokers,
      external ? {} : (localKafkaBroker(options)?.adminSecurity ?? {}),
    ).catch(() => false),
    logFile: paths.logFile,
  };
}
